// A pass-through that hashes and counts a blob as it streams and fails at the end (or as soon as
// it grows too big) when the bytes are not what the descriptor promised. Every source that reads
// blobs from somewhere it does not trust (a registry, a plugin's backend) pipes through it.
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError } from './errors.js';
import { digestAlgorithm, type Digest } from './digest.js';
import { StreamHash, hashThenPass } from './stream-hash.js';

export class VerifyingStream extends Transform {
  private readonly hash: StreamHash;
  private bytes = 0;

  /** `size` < 0: unknown, only the digest is checked. */
  constructor(private readonly expected: Digest, private readonly size: number, private readonly what: string) {
    super();
    this.hash = new StreamHash(digestAlgorithm(expected));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.size >= 0 && this.bytes > this.size) return cb(new BerthError('ERR_SIZE_MISMATCH', `${this.what}: more than the ${this.size} bytes its descriptor declares`));
    hashThenPass(this.hash, chunk, cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.size >= 0 && this.bytes !== this.size) return cb(new BerthError('ERR_SIZE_MISMATCH', `${this.what}: size mismatch: expected ${this.size} bytes, got ${this.bytes}`));
    this.hash.digest().then((hex) => {
      const actual = `${digestAlgorithm(this.expected)}:${hex}`;
      if (actual !== this.expected) return cb(new BerthError('ERR_DIGEST_MISMATCH', `${this.what}: digest mismatch: expected ${this.expected}, got ${actual}`));
      cb();
    }, (err: Error) => cb(err));
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.hash.abort();
    cb(err);
  }
}
