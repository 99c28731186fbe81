// @berth/store-fs: berth's embedded local store, an OCI image layout on disk that several
// berth processes can share safely.
export { storeFsPlugin } from './plugin.js';
export { openFsStore, type FsStore, type FsStoreOptions } from './fs-store.js';
export { FsContentStore } from './content-store.js';
export { FsMetadataStore, type FsMetadataOptions } from './metadata-store.js';
export { findLayerByDigest, findLayersByDiffID } from './layer-lookup.js';
export type { RecomputeLayerRecord } from './record-rebuild.js';
export type { LockOptions } from './lock.js';
