// One read of a layer blob gives everything a store records about it: the blob's digest and size
// (raw bytes) and, from the decompressed bytes, its diffID, tar size and Docker size.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestingStream, type Digest } from '../digest.js';
import { openUncompressed } from './compression.js';
import type { LayerCompression } from '../media-types.js';
import { inspectLayer, type InspectLayerOptions, type LayerStats } from './inspect.js';

export interface DigestedLayer {
  compression: LayerCompression;
  blobDigest: Digest;
  blobSize: number;
  stats: LayerStats;
}

export async function digestAndInspect(raw: Readable, options: InspectLayerOptions): Promise<DigestedLayer> {
  const hashed = new DigestingStream();
  // The raw hash sits in front of the decompressor, so it sees exactly the blob's bytes at the
  // decompressor's pace; a failure on either side destroys the other through the pipelines.
  const feeding = pipeline(raw, hashed);
  const reading = (async () => {
    try {
      const { stream, compression } = await openUncompressed(hashed, { what: options.what });
      return { compression, stats: await inspectLayer(stream, options) };
    } catch (err) {
      hashed.destroy(err as Error);
      throw err;
    }
  })();
  // Report the reader's error first: it says why (unsafe path, bad gzip), the feeder only that it stopped.
  const [, read] = await Promise.all([feeding.catch(async (err) => { await reading; throw err; }), reading]);
  return { compression: read.compression, blobDigest: hashed.digest(), blobSize: hashed.bytes, stats: read.stats };
}
