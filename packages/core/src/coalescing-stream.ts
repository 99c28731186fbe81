// Joins small chunks into larger ones. A registry's body arrives in ~64 KiB pieces, and each
// piece written to an async gunzip is one round trip through libuv's thread pool; handed over in
// 1 MiB pieces, the decompression of a pull costs a fifth less wall time (measured on a 265 MB
// image: 0.90 → 0.74 s with the 1 MiB gunzip output chunks). The copy is cheap next to that.
import { Transform, type TransformCallback } from 'node:stream';

export class CoalescingStream extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly target = 1 << 20) {
    super({ highWaterMark: 4 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.pendingBytes === 0 && chunk.length >= this.target) return cb(null, chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.target) this.release();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.pendingBytes > 0) this.release();
    cb();
  }

  private release(): void {
    const joined = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.push(joined);
  }
}
