// Byte-count guard for blob writes, and the buffer size they write with.
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError } from '@berth/core';

/** Writes in 1 MiB pieces: fewer syscalls and stream turns than the 16 KiB default. */
export const WRITE_BUFFER = 1 << 20;

/** Fails as soon as a stream runs past its declared size, so a hostile source cannot fill the disk. */
export class SizeLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number, private readonly what: string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      cb(new BerthError('ERR_SIZE_MISMATCH', `blob ${this.what}: size mismatch: expected ${this.limit} bytes, got more`));
      return;
    }
    cb(null, chunk);
  }
}
