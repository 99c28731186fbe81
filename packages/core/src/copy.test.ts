// The copy engine when one layer fails: the layers still in flight are cancelled with its error
// as the reason and awaited, so the destination's abort runs with nothing still writing.
import { describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { copyImages } from './copy.js';
import { sha256, type Digest } from './digest.js';
import { manifestBytes, type Descriptor } from './manifest.js';
import { MediaType } from './media-types.js';
import { BerthError } from './errors.js';
import type { ImageDestination, ImageSource, ManifestBytes } from './contracts/location.js';

const layer = (name: string, size: number): Descriptor => ({ mediaType: MediaType.OciLayer, digest: sha256(Buffer.from(name)), size });

function twoLayerImage(): { manifest: ManifestBytes; failing: Descriptor; slow: Descriptor; config: Buffer } {
  const failing = layer('failing', 10);
  const slow = layer('slow', 1_000);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [failing.digest, slow.digest] } }));
  const bytes = manifestBytes({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length },
    layers: [failing, slow],
  });
  return { manifest: { bytes, mediaType: MediaType.OciManifest, digest: sha256(bytes) }, failing, slow, config };
}

describe('copyImages when a layer fails', () => {
  it('cancels the other layers in flight with that error, and aborts the destination only once they stopped', async () => {
    const { manifest, failing, slow, config } = twoLayerImage();
    const events: string[] = [];
    let slowBody: PassThrough | undefined;
    let slowSignal: AbortSignal | undefined;
    const noSpace = new BerthError('ERR_NO_SPACE', 'no space left on device while writing blob');
    const src: ImageSource = {
      description: 'test source',
      images: async () => [{ descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length }, names: [] }],
      getManifest: async () => manifest,
      getBlob: async (desc, options) => {
        if (desc.digest === slow.digest) {
          slowSignal = options?.signal;
          // A body that never ends on its own: only a cancellation stops it.
          slowBody = new PassThrough();
          slowBody.write(Buffer.alloc(10));
          return slowBody;
        }
        return Readable.from([desc.digest === failing.digest ? Buffer.alloc(10) : config]);
      },
      close: async () => {},
    };
    const dst: ImageDestination = {
      description: 'test destination',
      capabilities: { sequential: false, adopt: false, mount: false, resume: false },
      hasBlob: async () => false,
      putBlob: async (desc: Descriptor, data: Readable, options) => {
        if (desc.digest === failing.digest) {
          // Fail once the slow layer is under way.
          while (!slowBody) await new Promise((r) => setTimeout(r, 5));
          data.destroy();
          throw noSpace;
        }
        const stopped = finished(data).catch(() => undefined);
        options?.signal?.addEventListener('abort', () => data.destroy(options.signal!.reason as Error), { once: true });
        await stopped;
        events.push(`slow layer stopped (${(options?.signal?.reason as BerthError | undefined)?.code})`);
        throw options?.signal?.reason;
      },
      putManifest: async () => {},
      commit: async () => {},
      abort: async (reason) => {
        events.push(`abort (${(reason as BerthError).code})`);
      },
    };
    await expect(copyImages(src, dst, await src.images())).rejects.toBe(noSpace);
    expect(slowSignal?.aborted).toBe(true);
    expect(slowSignal?.reason).toBe(noSpace);
    expect(events).toEqual(['slow layer stopped (ERR_NO_SPACE)', 'abort (ERR_NO_SPACE)']);
  });

  it('starts no further layer once one has failed', async () => {
    const layers = Array.from({ length: 6 }, (_, i) => layer(`l${i}`, 100 - i));
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }));
    const bytes = manifestBytes({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length }, layers });
    const manifest = { bytes, mediaType: MediaType.OciManifest, digest: sha256(bytes) };
    const fetched: Digest[] = [];
    const src: ImageSource = {
      description: 'test source',
      images: async () => [{ descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: bytes.length }, names: [] }],
      getManifest: async () => manifest,
      getBlob: async (desc) => {
        fetched.push(desc.digest);
        return Readable.from([desc.digest === layers[0]!.digest ? Buffer.alloc(1) : config]);
      },
      close: async () => {},
    };
    const dst: ImageDestination = {
      description: 'test destination',
      capabilities: { sequential: false, adopt: false, mount: false, resume: false },
      hasBlob: async () => false,
      putBlob: async (desc, data) => {
        data.resume();
        await finished(data);
        if (desc.digest === layers[0]!.digest) throw new BerthError('ERR_DIGEST_MISMATCH', 'bad layer');
        await new Promise((r) => setTimeout(r, 20));
      },
      putManifest: async () => {},
      commit: async () => {},
      abort: async () => {},
    };
    await expect(copyImages(src, dst, await src.images(), { concurrency: 2 })).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    // Time enough for a worker that did not stop to take the next layers.
    await new Promise((r) => setTimeout(r, 200));
    // The largest (layer 0) fails at once; the second worker had taken layer 1, and nothing after.
    expect(fetched).toEqual([layers[0]!.digest, layers[1]!.digest]);
  });
});
