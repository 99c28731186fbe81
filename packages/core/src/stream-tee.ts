// Sends every chunk to a second consumer too, at the pace of the slower one, so one read of a
// blob can be stored and inspected at once without buffering it.
import { Transform, type TransformCallback, type Writable } from 'node:stream';

export class TeeStream extends Transform {
  private readonly side: Writable;
  constructor(side: Writable) {
    super();
    this.side = side;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.side.destroyed || this.side.writableEnded) return cb(null, chunk);
    if (this.side.write(chunk)) return cb(null, chunk);
    // Wait for the side to drain, but fail rather than hang if it dies meanwhile.
    const onDrain = (): void => {
      this.side.off('close', onClose);
      cb(null, chunk);
    };
    const onClose = (): void => {
      this.side.off('drain', onDrain);
      cb(this.side.errored ?? new Error('tee: the second consumer closed early'));
    };
    this.side.once('drain', onDrain);
    this.side.once('close', onClose);
  }
  override _flush(cb: TransformCallback): void {
    this.side.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (err && !this.side.destroyed) this.side.destroy(err);
    cb(err);
  }
}
