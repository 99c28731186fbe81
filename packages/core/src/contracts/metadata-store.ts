// MetadataStore: names → images, and what berth knows about each image and layer.
// Reads are snapshots; updates are transactions serialised across processes.
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import type { Platform } from '../platform.js';

/** What berth derived from a layer blob once, so nobody reads it again to answer `images`. */
export interface LayerRecord {
  /** The blob as stored (possibly compressed). */
  digest: Digest;
  mediaType: string;
  /** Compressed size (the blob's size). */
  blobSize: number;
  /** sha256 of the uncompressed tar. */
  diffID: Digest;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Size as Docker reports it: regular files (hardlinks once) plus symlink target lengths. */
  size: number;
}

export interface ImageRecord {
  /** The image ID: the config digest. */
  id: Digest;
  /** The manifest in the store that describes this image. */
  manifest: Descriptor;
  config: Descriptor;
  platform: Platform;
  /** RFC 3339, from the config ('' when the config has none). */
  created: string;
  /** Sum of the layers' Docker sizes. */
  size: number;
  layers: LayerRecord[];
  labels: Record<string, string>;
  /** `repo@sha256:…` names the manifest is known by in registries. */
  repoDigests: string[];
  /** Image ID of the parent image for images made here by build or commit. */
  parent?: Digest;
  /** When a tag last pointed here (RFC 3339), Docker's Metadata.LastTagTime. */
  lastTagTime?: string;
}

export interface StoreSnapshot {
  /** Image ID → record. An image with no tags is dangling but still kept. */
  images: Map<Digest, ImageRecord>;
  /** Fully normalised tag reference (`docker.io/library/busybox:latest`) → image ID. */
  tags: Map<string, Digest>;
  /** Blob digest → LayerRecord of the layers `images` use, when the store keeps them (derived: edit `images`). */
  layers?: Map<Digest, LayerRecord>;
}

export interface MetadataStore {
  read(): Promise<StoreSnapshot>;
  /**
   * Runs `change` on a fresh snapshot under a lock held across processes, then persists
   * the mutated snapshot atomically. A throw aborts and persists nothing.
   */
  update<T>(change: (draft: StoreSnapshot) => T | Promise<T>, options?: UpdateOptions): Promise<T>;
}

export interface UpdateOptions {
  /**
   * Runs after the snapshot is persisted, still under the lock: where blobs that no image
   * references any more are deleted, so no concurrent writer can be committing them meanwhile.
   * `before` is the snapshot as it was before `change`.
   */
  afterCommit?: (committed: StoreSnapshot, before: StoreSnapshot) => Promise<void>;
  /**
   * The change only removes (rmi, prune) and its afterCommit gives space back: on a full disk a
   * store may spend space it keeps in reserve to commit it, so berth can always free the disk.
   */
  frees?: boolean;
}
