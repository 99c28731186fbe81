// Resumable blob writes: what a failed write got stays in berth/partial (only if it is worth it and
// not known bad), the next write hashes it again from disk and appends the rest, one writer a blob.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256, type Digest } from '@berth/core';
import { codeOf } from '@berth/testkit';
import { openFsStore, type FsStore } from './index.js';
import { RESUME_MIN_BYTES, partialPath } from './partial-blob.js';
import { storeLayout } from './layout.js';

let root: string;
let store: FsStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-partial-'));
  store = await openFsStore({ root });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const partialDir = (): Promise<string[]> => readdir(join(root, 'berth', 'partial')).catch(() => []);
const inBlobs = (d: Digest): Promise<boolean> => stat(join(root, 'blobs', 'sha256', d.slice(7))).then(() => true, () => false);

/** `bytes` in 64 KiB pieces as a socket gives them, then a network error after `cut` of them. */
function cutOff(bytes: Buffer, cut: number): Readable {
  return Readable.from((async function* () {
    for (let at = 0; at < cut; at += 64 << 10) yield bytes.subarray(at, Math.min(at + (64 << 10), cut));
    await new Promise((resolve) => setTimeout(resolve, 50));
    throw new Error('other side closed');
  })());
}


describe('resumable writes', () => {
  const blob = randomBytes(3 * RESUME_MIN_BYTES);
  const digest = sha256(blob);

  it('keeps what arrived before a failure and continues from it to a verified blob', async () => {
    const first = (await store.content.resumable(digest))!;
    expect(first.kept).toBe(0);
    await expect(first.put(cutOff(blob, 2 * RESUME_MIN_BYTES), { size: blob.length })).rejects.toThrow(/other side closed/);
    expect(await inBlobs(digest)).toBe(false);
    const second = (await store.content.resumable(digest))!;
    expect(second.kept).toBeGreaterThan(RESUME_MIN_BYTES);
    expect(second.kept).toBeLessThanOrEqual(2 * RESUME_MIN_BYTES);
    // The kept bytes are the blob's own prefix.
    const kept = await readFile(partialPath(storeLayout(root), digest));
    expect(kept.equals(blob.subarray(0, kept.length))).toBe(true);
    // The caller hands the whole blob: the kept part read back from disk, then the rest.
    const whole = new PassThrough();
    void (async () => {
      for await (const c of second.readKept()) whole.write(c);
      whole.end(blob.subarray(second.kept));
    })();
    expect(await second.put(whole, { size: blob.length })).toEqual({ digest, size: blob.length });
    expect((await readFile(join(root, 'blobs', 'sha256', digest.slice(7)))).equals(blob)).toBe(true);
    expect(await partialDir()).toEqual([]);
  });

  it('takes a whole stored blob back as kept bytes (an interrupted pull), not one under the minimum or held by a writer', async () => {
    await store.content.put(Readable.from([blob]), { digest, size: blob.length });
    expect(await store.content.keepForResume!(digest)).toBe(true);
    expect(await inBlobs(digest)).toBe(false);
    const w = (await store.content.resumable(digest))!;
    expect(w.kept).toBe(blob.length);
    // Nothing more to fetch: the kept bytes alone make the blob again.
    expect(await w.put(w.readKept(), { size: blob.length })).toEqual({ digest, size: blob.length });
    expect(await inBlobs(digest)).toBe(true);
    expect(await partialDir()).toEqual([]);
    const small = Buffer.from('small');
    await store.content.put(Readable.from([small]), { digest: sha256(small), size: small.length });
    expect(await store.content.keepForResume!(sha256(small))).toBe(false);
    expect(await inBlobs(sha256(small))).toBe(true);
    const writer = (await store.content.resumable(digest))!;
    expect(await store.content.keepForResume!(digest)).toBe(false);
    await writer.release();
  });

  it('drops kept bytes that do not hash to the digest, and keeps nothing under the minimum', async () => {
    await mkdir(join(root, 'berth', 'partial'), { recursive: true });
    await writeFile(partialPath(storeLayout(root), digest), randomBytes(2 * RESUME_MIN_BYTES));
    const w = (await store.content.resumable(digest))!;
    const whole = new PassThrough();
    void (async () => {
      for await (const c of w.readKept()) whole.write(c);
      whole.end(blob.subarray(w.kept));
    })();
    expect(await codeOf(w.put(whole, { size: blob.length }))).toBe('ERR_DIGEST_MISMATCH');
    expect(await partialDir()).toEqual([]);

    const small = (await store.content.resumable(digest))!;
    await expect(small.put(cutOff(blob, RESUME_MIN_BYTES >> 1), { size: blob.length })).rejects.toThrow();
    expect(await partialDir()).toEqual([]);
    expect(await inBlobs(digest)).toBe(false);
  });

  it('lets one writer a blob at a time, and takes over the lock of a process that died', async () => {
    const w = (await store.content.resumable(digest))!;
    expect(await store.content.resumable(digest)).toBeUndefined();
    await w.release();
    const again = (await store.content.resumable(digest))!;
    await again.release();
    // A lock naming a pid that no longer runs (kill -9) is stale.
    await writeFile(`${partialPath(storeLayout(root), digest)}.lock`, '2147483646');
    const taken = await store.content.resumable(digest);
    expect(taken).toBeDefined();
    await taken!.release();
  });
});
