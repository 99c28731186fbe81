// Content digests (`sha256:<64 hex>`): parsing, and hashing while bytes stream past.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BerthError } from './errors.js';
import { StreamHash, hashThenPass, type HashAlgorithm } from './stream-hash.js';

export type Digest = `sha256:${string}` | `sha512:${string}`;

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

export function parseDigest(s: string): Digest {
  if (!isDigest(s)) throw new BerthError('ERR_INVALID_DIGEST', `invalid digest "${s}"`);
  return s;
}

export function digestAlgorithm(d: Digest): 'sha256' | 'sha512' {
  return d.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(':') + 1);
}

export function sha256(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A pass-through stream that digests and counts what flows through it (off the main thread when long). */
export class DigestingStream extends Transform {
  private readonly hash: StreamHash;
  private result: Digest | undefined;
  bytes = 0;
  constructor(private readonly algorithm: HashAlgorithm = 'sha256') {
    super();
    this.hash = new StreamHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    hashThenPass(this.hash, chunk, cb);
  }
  override _flush(cb: TransformCallback): void {
    this.hash.digest().then((hex) => {
      this.result = `${this.algorithm}:${hex}` as Digest;
      cb();
    }, (err: Error) => cb(err));
  }
  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.hash.abort();
    cb(err);
  }
  /** Valid once the stream has ended. */
  digest(): Digest {
    if (this.result === undefined) throw new BerthError('ERR_IO', 'digest asked before the stream ended');
    return this.result;
  }
}

/** Throws ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH naming the thing that was checked. */
export function verifyDigest(what: string, expected: Digest, actual: Digest, expectedSize?: number, actualSize?: number): void {
  if (expectedSize !== undefined && actualSize !== undefined && expectedSize >= 0 && expectedSize !== actualSize) {
    throw new BerthError('ERR_SIZE_MISMATCH', `${what}: size mismatch: expected ${expectedSize} bytes, got ${actualSize}`);
  }
  if (expected !== actual) {
    throw new BerthError('ERR_DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${actual}`);
  }
}
