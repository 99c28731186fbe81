import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DigestingStream } from './digest.js';
import { VerifyingStream } from './verifying-stream.js';
import { StreamHash, hashThreadLoad } from './stream-hash.js';

/** `bytes` cut into pieces of uneven sizes (1 byte up to 300 KiB), as a network would. */
function uneven(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(bytes.length - at, [1, 4093, 65_536, 300_000, 1 << 20][i % 5]!);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

async function digestOf(pieces: Buffer[], algorithm: 'sha256' | 'sha512' = 'sha256'): Promise<string> {
  const h = new DigestingStream(algorithm);
  await pipeline(Readable.from(pieces), h, sink());
  return h.digest();
}

async function settled(): Promise<{ open: number; inFlight: number }> {
  for (let i = 0; i < 50 && hashThreadLoad().open + hashThreadLoad().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return hashThreadLoad();
}

describe('StreamHash and DigestingStream', () => {
  it('digests short streams in place and long ones on the hashing thread, with the same result as node:crypto', async () => {
    for (const size of [0, 1, 1000, (1 << 20) - 1, 1 << 20, (5 << 20) + 17]) {
      const bytes = randomBytes(size);
      expect(await digestOf(uneven(bytes))).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    }
    const big = randomBytes(3 << 20);
    expect(await digestOf(uneven(big), 'sha512')).toBe(`sha512:${createHash('sha512').update(big).digest('hex')}`);
    expect(await settled()).toEqual({ open: 0, inFlight: 0 });
  });

  it('keeps many streams apart at once, more than the buffers the thread may hold', async () => {
    const inputs = Array.from({ length: 14 }, (_, i) => randomBytes((2 << 20) + i * 1001));
    const digests = await Promise.all(inputs.map((b) => digestOf(uneven(b))));
    expect(digests).toEqual(inputs.map((b) => `sha256:${createHash('sha256').update(b).digest('hex')}`));
    expect(await settled()).toEqual({ open: 0, inFlight: 0 });
  });

  it('does not mix up a piece changed after it was given, once it was copied to the thread', async () => {
    const h = new StreamHash();
    const piece = randomBytes(1 << 20);
    const expected = createHash('sha256').update(piece).update(piece).digest('hex');
    await h.update(Buffer.from(piece));
    const reused = Buffer.from(piece);
    await h.update(reused);
    reused.fill(0); // copied already: the stream is past its first MiB
    expect(await h.digest()).toBe(expected);
  });

  it('a stream dropped while it waits for the thread leaves no buffer behind that is gone', async () => {
    // More streams than buffers the thread may hold: some updates must wait, and are dropped then.
    const hashes = Array.from({ length: 8 }, () => new StreamHash());
    const waiting: Promise<void>[] = [];
    for (const h of hashes) {
      const p = h.update(randomBytes(3 << 20));
      if (p) waiting.push(p.catch(() => {}));
    }
    expect(waiting.length).toBeGreaterThan(0);
    for (const h of hashes) h.abort();
    await Promise.all(waiting);
    const inputs = Array.from({ length: 6 }, (_, i) => randomBytes((2 << 20) + i));
    expect(await Promise.all(inputs.map((b) => digestOf(uneven(b))))).toEqual(inputs.map((b) => `sha256:${createHash('sha256').update(b).digest('hex')}`));
    expect(await settled()).toEqual({ open: 0, inFlight: 0 });
  });

  it('frees its slot on the thread when a stream fails midway', async () => {
    const h = new DigestingStream();
    const failing = Readable.from((async function* () {
      yield randomBytes(3 << 20);
      throw new Error('connection reset');
    })());
    await expect(pipeline(failing, h, sink())).rejects.toThrow('connection reset');
    expect(() => h.digest()).toThrow(/before the stream ended/);
    expect(await settled()).toEqual({ open: 0, inFlight: 0 });
  });

  it('VerifyingStream still refuses a long blob whose bytes do not match', async () => {
    const bytes = randomBytes(4 << 20);
    const wrong = `sha256:${createHash('sha256').update('other').digest('hex')}` as const;
    await expect(pipeline(Readable.from(uneven(bytes)), new VerifyingStream(wrong, bytes.length, 'blob x'), sink())).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    const right = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
    await expect(pipeline(Readable.from(uneven(bytes)), new VerifyingStream(right, bytes.length, 'blob x'), sink())).resolves.toBeUndefined();
    expect(await settled()).toEqual({ open: 0, inFlight: 0 });
  });

  it('lets a process exit when a stream was left unfinished, and holds it while an answer is awaited', async () => {
    // The built module, in a process of its own: whether it exits is the thing measured.
    const mod = join(import.meta.dirname, '../dist/stream-hash.js');
    const script = `
      const { StreamHash } = await import(${JSON.stringify(mod)});
      const left = new StreamHash();
      await left.update(Buffer.alloc(3 << 20, 1));
      const awaited = new StreamHash();
      await awaited.update(Buffer.alloc(3 << 20, 2));
      console.log(await awaited.digest());`;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(stdout.trim()).toBe(createHash('sha256').update(Buffer.alloc(3 << 20, 2)).digest('hex'));
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('lets a process exit when a stream was dropped before its first buffer reached the thread', async () => {
    // One MiB fills the first buffer without sending it: the thread exists but was never asked
    // anything (a save -o cut short by a full disk hung here once).
    const mod = join(import.meta.dirname, '../dist/stream-hash.js');
    const script = `
      const { StreamHash } = await import(${JSON.stringify(mod)});
      const dropped = new StreamHash();
      await dropped.update(Buffer.alloc(1 << 20, 1));
      dropped.abort();
      console.log('done');`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 });
    expect(stdout.trim()).toBe('done');
  });
});
