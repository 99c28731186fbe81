// Inspects upload bytes as they arrive, in case they are a layer: a registry learns what a blob is
// only when a manifest names it, so every upload is read as a tar on the side, and one that is not
// a tar (a config, an artifact) simply stops being inspected. Saves reading each layer twice.
import { PassThrough } from 'node:stream';
import { inspectLayer, openUncompressed, type KnownLayer } from '@berth/core';

export class LayerSniffer {
  // Room for a few socket reads (64 KiB each), so the inspector rarely holds the upload back.
  private readonly input = new PassThrough({ highWaterMark: 256 * 1024 });
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

  /**
   * Feeds a chunk. Undefined when the inspector can take more at once (the common case: no promise
   * and no extra turn per chunk on the upload path); otherwise a promise that resolves when it
   * drained (backpressure) or gave up.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    if (this.stopped || this.input.write(chunk)) return undefined;
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
