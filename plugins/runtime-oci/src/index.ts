// @berth/runtime-oci: containers for `run`, `commit` and a Dockerfile's RUN — layers unpacked
// once by chainID, overlayfs or copied rootfs, processes run by runc/crun, diffs as OCI layers.
export { runtimeOciPlugin } from './plugin.js';
export { openOciRuntime, OciRuntime, OciRootfs, type OciRuntimeOptions } from './runtime.js';
export { ContainerStartError } from './oci-process.js';
export { LayerCache } from './layer-cache.js';
export { unpackLayer, type UnpackResult } from './unpack.js';
export type { SnapshotterName } from './snapshotter.js';
