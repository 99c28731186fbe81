// Feeds zlib from a stream of small pieces (a registry's ~64 KiB reads): they are joined into a
// few 1 MiB buffers, each reused once zlib has consumed it. One thread-pool trip a MiB instead of
// one a piece, and nothing allocated a MiB: joining into fresh buffers made a third of a pull's
// garbage, and V8 collects on every few dozen MB of such outside memory.
import { Writable } from 'node:stream';

const PIECE = 1 << 20;
const BUFFERS = 2;

export class ZlibFeed extends Writable {
  private readonly free: Buffer[] = [];
  private made = 0;
  private current: Buffer | undefined;
  private fill = 0;
  /** The copy that waits for zlib to give a buffer back. */
  private resume: ((err?: Error) => void) | undefined;
  private failed: Error | undefined;

  constructor(private readonly zlib: Writable) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let at = 0;
    const step = (err?: Error): void => {
      if (err) return cb(err);
      while (at < chunk.length) {
        if (!this.current) {
          const buf = this.free.pop() ?? (this.made < BUFFERS ? (this.made++, Buffer.allocUnsafeSlow(PIECE)) : undefined);
          if (!buf) {
            this.resume = step;
            return;
          }
          this.current = buf;
          this.fill = 0;
        }
        const n = chunk.copy(this.current, this.fill, at);
        this.fill += n;
        at += n;
        if (this.fill === PIECE) this.send();
      }
      cb(this.failed);
    };
    step(this.failed);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.failed) return cb(this.failed);
    if (this.current && this.fill > 0) this.send();
    this.zlib.end();
    cb();
  }

  private send(): void {
    const whole = this.current!;
    const piece = whole.subarray(0, this.fill);
    this.current = undefined;
    this.fill = 0;
    this.zlib.write(piece, (err) => {
      if (err) this.failed ??= err;
      else this.free.push(whole);
      const resume = this.resume;
      this.resume = undefined;
      resume?.(this.failed);
    });
  }
}
