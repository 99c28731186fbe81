import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableFileWriter } from './durable-file-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `bytes` in uneven pieces, so writes are batched (writev) and single. */
const pieces = (bytes: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = [1, 70_000, 3, 300_000][i % 4]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
};

describe('DurableFileWriter', () => {
  it('writes every byte in order and writes back along the way', async () => {
    const bytes = randomBytes(5 << 20);
    const w = new DurableFileWriter(join(dir, 'f'), { flags: 'wx', highWaterMark: 1 << 20, writebackEvery: 1 << 20 });
    await pipeline(Readable.from(pieces(bytes)), w);
    expect((await readFile(join(dir, 'f'))).equals(bytes)).toBe(true);
    expect(w.writebacks).toBeGreaterThanOrEqual(2);
    expect(w.closed).toBe(true);
  });

  it('continues a file at `start` with r+, keeping what is before it', async () => {
    const head = randomBytes(1000);
    const tail = randomBytes(200_000);
    await writeFile(join(dir, 'f'), Buffer.concat([head, Buffer.alloc(50, 9)]));
    await pipeline(Readable.from(pieces(tail)), new DurableFileWriter(join(dir, 'f'), { flags: 'r+', start: head.length, highWaterMark: 1 << 20 }));
    expect((await readFile(join(dir, 'f'))).equals(Buffer.concat([head, tail]))).toBe(true);
  });

  it('refuses to overwrite with wx and reports a missing directory', async () => {
    await writeFile(join(dir, 'f'), 'x');
    await expect(pipeline(Readable.from([Buffer.from('y')]), new DurableFileWriter(join(dir, 'f'), { flags: 'wx', highWaterMark: 1024 }))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(join(dir, 'f'), 'utf8')).toBe('x');
    await expect(pipeline(Readable.from([Buffer.from('y')]), new DurableFileWriter(join(dir, 'no', 'f'), { flags: 'w', highWaterMark: 1024 }))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('closes its file when the source fails midway', async () => {
    const w = new DurableFileWriter(join(dir, 'f'), { flags: 'w', highWaterMark: 1024, writebackEvery: 1024 });
    const failing = Readable.from((async function* () {
      yield randomBytes(10_000);
      throw new Error('cut');
    })());
    await expect(pipeline(failing, w)).rejects.toThrow('cut');
    await new Promise((r) => (w.closed ? r(undefined) : w.once('close', r)));
    expect(w.closed).toBe(true);
  });
});
