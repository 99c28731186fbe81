// ContentStore: content-addressed blobs. What a storage backend must really do, nothing more.
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export interface PutBlobOptions {
  /** When given, the bytes must hash to this digest or nothing is kept (ERR_DIGEST_MISMATCH). */
  digest?: Digest;
  /** When given (>= 0), the byte count must match or nothing is kept (ERR_SIZE_MISMATCH). */
  size?: number;
  signal?: AbortSignal;
  /** A last check once the bytes match (a layer's diffID): if it throws, nothing is kept. */
  beforeCommit?: () => Promise<void>;
}

export interface ContentStore {
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /** Streams a blob from `offset`; throws ERR_BLOB_UNKNOWN when absent. */
  get(digest: Digest, options?: { offset?: number; signal?: AbortSignal }): Promise<Readable>;
  /**
   * Writes a blob. It becomes visible only once complete, verified and durable
   * (temp file, fsync, rename); concurrent puts of the same content are idempotent.
   */
  put(data: Readable, options?: PutBlobOptions): Promise<BlobInfo>;
  /**
   * Moves a file already verified to hold `digest` into the store, when it lives on the same
   * filesystem (the store's own staging area); returns false when it cannot, so the caller streams.
   */
  adopt?(path: string, info: BlobInfo): Promise<boolean>;
  /** A directory on the store's filesystem for staging files that `adopt` can take. */
  stagingDir?(): Promise<string>;
  /**
   * A write of `digest` that survives interruption: what arrived before a failure (a dropped
   * connection, Ctrl-C, kill -9) stays in staging, and the next one continues from it. Undefined
   * when another writer holds this blob now.
   */
  resumable?(digest: Digest): Promise<ResumableBlobWrite | undefined>;
  /**
   * Takes a stored blob back into the resumable staging, whole (an interrupted pull gives up the
   * layers it completed without losing them: the next one finds all their bytes kept). False when
   * the store keeps no such bytes (too small to be worth it, or another writer holds the blob);
   * the caller then deletes it. Optional, with `resumable`.
   */
  keepForResume?(digest: Digest): Promise<boolean>;
  delete(digest: Digest): Promise<void>;
  /**
   * Marks a stored blob as just used: a registry that answered "present" (HEAD, a mount) to a
   * push that will name the blob in a manifest soon; garbage collection counts its age from now.
   * Optional.
   */
  touch?(digest: Digest): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
}

export interface ResumableBlobWrite {
  /** Bytes kept from an interrupted write; not checked yet (a sha256 state cannot be saved). */
  readonly kept: number;
  /** The kept bytes, so the caller can hash (and inspect) them again: a disk read, not a download. */
  readKept(): Readable;
  /**
   * Writes the blob: `data` starts at byte 0, and its first `kept` bytes are only hashed, not
   * written again. The blob becomes visible only once its digest and size match; bytes that do not
   * match are discarded, bytes cut off by a failure are kept for next time. Releases the write.
   */
  put(data: Readable, options: { size: number; signal?: AbortSignal; beforeCommit?: () => Promise<void> }): Promise<BlobInfo>;
  /** Gives the write up unused, keeping the bytes. */
  release(): Promise<void>;
}
