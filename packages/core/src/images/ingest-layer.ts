// Storing a layer blob and inspecting its tar in one read: the blob is kept only if the tar is
// sound (safe paths, complete), so a refused layer leaves the store exactly as it was.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '../digest.js';
import type { BlobInfo } from '../contracts/content-store.js';
import type { KnownLayer } from '../contracts/location.js';
import type { StoreBackend } from '../contracts/plugin.js';
import { TeeStream } from '../stream-tee.js';
import { inspectLayer, openUncompressed } from '../layer/index.js';
import { referencedBlobs } from './remove.js';

export interface IngestOptions {
  digest?: Digest;
  size?: number;
  signal?: AbortSignal;
  allowDevices: boolean;
  what: string;
  onProgress?: (bytes: number) => void;
}

export async function ingestLayer(backend: StoreBackend, blob: Readable, opts: IngestOptions): Promise<{ blob: BlobInfo; layer: KnownLayer }> {
  const side = new PassThrough();
  // The tee destroys `side` with the source's error; when the inspection has already finished
  // (a blob whose digest fails only at its end) nobody listens any more. The promises report it.
  side.on('error', () => {});
  const tee = new TeeStream(side);
  if (opts.onProgress) tee.on('data', (c: Buffer) => opts.onProgress!(c.length));
  const inspecting = (async () => {
    const { stream } = await openUncompressed(side);
    return inspectLayer(stream, { allowDevices: opts.allowDevices, what: opts.what });
  })();
  const putOptions = { ...(opts.digest ? { digest: opts.digest } : {}), ...(opts.size !== undefined ? { size: opts.size } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  const [piped, put, inspected] = await Promise.allSettled([pipeline(blob, tee), backend.content.put(tee, putOptions), inspecting]);
  if (piped.status === 'fulfilled' && put.status === 'fulfilled' && inspected.status === 'fulfilled') {
    return { blob: put.value, layer: inspected.value };
  }
  side.destroy();
  // The blob may have landed before the inspection refused it: take it back unless an image uses it.
  if (put.status === 'fulfilled') {
    const used = referencedBlobs(await backend.metadata.read());
    if (!used.has(put.value.digest)) await backend.content.delete(put.value.digest).catch(() => {});
  }
  // The inspection's reason is the one a user can act on; stream errors are its echo.
  throw inspected.status === 'rejected' ? inspected.reason : put.status === 'rejected' ? put.reason : (piped as PromiseRejectedResult).reason;
}
