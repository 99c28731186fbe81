// A pass-through that hashes and counts a blob as it streams and fails at the end (or as soon as
// it grows too big) when the bytes are not what the descriptor promised. Every source that reads
// blobs from somewhere it does not trust (a registry, a plugin's backend) pipes through it.
import type { TransformCallback } from 'node:stream';
import { BerthError } from './errors.js';
import { DigestingStream, digestAlgorithm, type Digest } from './digest.js';

export class VerifyingStream extends DigestingStream {
  /** `size` < 0: unknown, only the digest is checked. */
  constructor(private readonly expected: Digest, private readonly size: number, private readonly what: string) {
    super(digestAlgorithm(expected));
  }

  override _transform(chunk: Buffer, enc: BufferEncoding, cb: TransformCallback): void {
    if (this.size >= 0 && this.bytes + chunk.length > this.size) return cb(new BerthError('ERR_SIZE_MISMATCH', `${this.what}: more than the ${this.size} bytes its descriptor declares`));
    super._transform(chunk, enc, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.size >= 0 && this.bytes !== this.size) return cb(new BerthError('ERR_SIZE_MISMATCH', `${this.what}: size mismatch: expected ${this.size} bytes, got ${this.bytes}`));
    super._flush((err) => {
      if (err) return cb(err);
      const actual = this.digest();
      if (actual !== this.expected) return cb(new BerthError('ERR_DIGEST_MISMATCH', `${this.what}: digest mismatch: expected ${this.expected}, got ${actual}`));
      cb();
    });
  }
}
