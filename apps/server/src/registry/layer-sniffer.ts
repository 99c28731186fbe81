// Inspects upload bytes as they arrive, in case they are a layer: a registry learns what a blob is
// only when a manifest names it, so every upload is read as a tar on the side, and one that is not
// a tar (a config, an artifact) simply stops being inspected. Saves reading each layer twice.
import { PassThrough } from 'node:stream';
import { inspectLayer, openUncompressed, type KnownLayer } from '@berth/core';

export class LayerSniffer {
  private readonly input = new PassThrough();
  private stopped = false;
  private readonly result: Promise<KnownLayer | undefined>;

  constructor() {
    this.result = (async (): Promise<KnownLayer | undefined> => {
      const { stream } = await openUncompressed(this.input, { what: 'uploaded blob' });
      const stats = await inspectLayer(stream, { allowDevices: true, what: 'uploaded blob' });
      return { diffID: stats.diffID, tarSize: stats.tarSize, size: stats.size };
    })().catch(() => {
      this.abandon();
      return undefined;
    });
  }

  /** Feeds a chunk; resolves when the inspector took it (backpressure) or gave up. */
  write(chunk: Buffer): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.input.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.input.off('drain', done);
        this.input.off('close', done);
        resolve();
      };
      this.input.once('drain', done);
      this.input.once('close', done);
    });
  }

  /** The layer's facts once every byte was fed, or undefined when the bytes are not a sound layer. */
  finish(): Promise<KnownLayer | undefined> {
    if (!this.stopped) this.input.end();
    return this.result;
  }

  abandon(): void {
    this.stopped = true;
    this.input.destroy();
  }
}
