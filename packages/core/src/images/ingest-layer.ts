// Storing a layer blob and inspecting its tar in one read: the blob is kept only if the tar is
// sound (safe paths, complete), so a refused layer leaves the store exactly as it was.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../digest.js';
import type { BlobInfo } from '../contracts/content-store.js';
import type { KnownLayer } from '../contracts/location.js';
import type { StoreBackend } from '../contracts/plugin.js';
import { TeeStream } from '../stream-tee.js';
import { BerthError, isBerthError } from '../errors.js';
import { inspectLayer, openUncompressed } from '../layer/index.js';
import { referencedBlobs } from './remove.js';

export interface IngestOptions {
  digest?: Digest;
  size?: number;
  signal?: AbortSignal;
  allowDevices: boolean;
  what: string;
  onProgress?: (bytes: number) => void;
  /** The config's diff_id for this layer: a layer that decompresses to anything else is not kept. */
  diffID?: Digest;
  /** Writes the blob instead of `content.put` (a resumable write); must honour `beforeCommit`. */
  write?: (data: Readable, beforeCommit: () => Promise<void>) => Promise<BlobInfo>;
}

export async function ingestLayer(backend: StoreBackend, blob: Readable, opts: IngestOptions): Promise<{ blob: BlobInfo; layer: KnownLayer }> {
  // The side the tar is read from (openUncompressed joins its pieces for the decompressor).
  const side = new PassThrough({ highWaterMark: 256 << 10 });
  // The tee destroys `side` with the source's error; when the inspection has already finished
  // (a blob whose digest fails only at its end) nobody listens any more. The promises report it.
  side.on('error', () => {});
  const tee = new TeeStream(side);
  if (opts.onProgress) tee.on('data', (c: Buffer) => opts.onProgress!(c.length));
  const inspecting = (async () => {
    const { stream } = await openUncompressed(side, { what: opts.what });
    return inspectLayer(stream, { allowDevices: opts.allowDevices, what: opts.what });
  })();
  // A refused tar stops the download rather than waiting for its last byte.
  inspecting.catch((err: unknown) => tee.destroy(err as Error));
  // The blob becomes visible only after the tar was read to its end and matched the config.
  const beforeCommit = async (): Promise<void> => {
    const stats = await inspecting;
    if (opts.diffID && stats.diffID !== opts.diffID) {
      throw new BerthError('ERR_DIGEST_MISMATCH', `${opts.what}: uncompressed digest ${stats.diffID} does not match the config's diff_id ${opts.diffID}`);
    }
  };
  const putOptions = { ...(opts.digest ? { digest: opts.digest } : {}), ...(opts.size !== undefined ? { size: opts.size } : {}), ...(opts.signal ? { signal: opts.signal } : {}), beforeCommit };
  const writing = opts.write ? opts.write(tee, beforeCommit) : backend.content.put(tee, putOptions);
  const [piped, put, inspected] = await Promise.allSettled([pipeline(blob, tee), writing, inspecting]);
  if (piped.status === 'fulfilled' && put.status === 'fulfilled' && inspected.status === 'fulfilled') {
    // A writer that ignored beforeCommit still gets the diffID checked (its blob is taken back below).
    if (!opts.diffID || inspected.value.diffID === opts.diffID) return { blob: put.value, layer: inspected.value };
  }
  side.destroy();
  // The blob may have landed before the inspection refused it: take it back unless an image uses it.
  if (put.status === 'fulfilled') {
    const used = referencedBlobs(await backend.metadata.read());
    if (!used.has(put.value.digest)) await backend.content.delete(put.value.digest).catch(() => {});
  }
  // A typed reason is one a user can act on; the other failures are its echo through the tee (a
  // full disk under the write reaches the inspection as Node's bare ENOSPC). The inspection's comes
  // first, then the write's: a wrong blob digest says more than the wrong diffID that follows.
  const reasons = [inspected, put, piped].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (reasons.length > 0) throw reasons.find((r) => isBerthError(r)) ?? reasons[0];
  await beforeCommit();
  throw new BerthError('ERR_DIGEST_MISMATCH', `${opts.what}: the uncompressed digest does not match the config's diff_id`);
}
