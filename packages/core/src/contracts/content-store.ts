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
  delete(digest: Digest): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
}
