// store-fs blob ingest leaves no debris: every failure removes its temp file, a full disk is a
// typed error, and no digest string can reach outside blobs/.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256, type Digest } from '@berth/core';
import { codeOf } from '@berth/testkit';
import { openFsStore, type FsStore } from './index.js';

let root: string;
let store: FsStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-content-'));
  store = await openFsStore({ root });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const tmpEntries = (r = root): Promise<string[]> => readdir(join(r, 'berth', 'tmp'));


describe('put', () => {
  it('leaves no temp file after a digest mismatch, a size mismatch, an abort or a failing source', async () => {
    const bytes = randomBytes(300_000);
    expect(await codeOf(store.content.put(Readable.from([bytes]), { digest: sha256('x') }))).toBe('ERR_DIGEST_MISMATCH');
    expect(await codeOf(store.content.put(Readable.from([bytes]), { size: 10 }))).toBe('ERR_SIZE_MISMATCH');
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(store.content.put(Readable.from([bytes]), { signal: controller.signal }))).toBe('ERR_ABORTED');
    const failing = new Readable({
      read() {
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.content.put(failing)).rejects.toThrow('connection reset');
    expect(await tmpEntries()).toEqual([]);
    expect(await readdir(join(root, 'blobs', 'sha256'))).toEqual([]);
  });

  it('stops reading a source as soon as it runs past the declared size', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    expect(await codeOf(store.content.put(endless, { size: 100_000 }))).toBe('ERR_SIZE_MISMATCH');
    expect(produced).toBeLessThan(1_000_000);
    expect(await tmpEntries()).toEqual([]);
  });

  it('stores a blob at blobs/sha256/<hex>, the OCI layout path', async () => {
    const bytes = Buffer.from('layout path');
    const { digest } = await store.content.put(Readable.from([bytes]));
    expect((await stat(join(root, 'blobs', 'sha256', digest.slice('sha256:'.length)))).size).toBe(bytes.length);
    expect(await tmpEntries()).toEqual([]);
  });

  it('a full disk is ERR_NO_SPACE and leaves nothing behind', async (ctx) => {
    const small = join(root, 'small');
    await mkdir(small);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { stdio: 'ignore' });
    } catch (err) {
      // Needs CAP_SYS_ADMIN to mount a tiny filesystem: CI runs as root, so there it must run.
      if (process.env.CI) throw err;
      ctx.skip();
    }
    try {
      const full = await openFsStore({ root: small });
      expect(await codeOf(full.content.put(Readable.from([randomBytes(2 * 1024 * 1024)])))).toBe('ERR_NO_SPACE');
      expect(await tmpEntries(small)).toEqual([]);
      expect(await readdir(join(small, 'blobs', 'sha256'))).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });
});

describe('names and staging', () => {
  it('refuses digests that are not digests, so no path can leave blobs/', async () => {
    for (const bad of ['sha256:../../../etc/passwd', 'sha256:ABC', 'md5:' + 'a'.repeat(32)]) {
      expect(await codeOf(store.content.stat(bad as Digest))).toBe('ERR_INVALID_DIGEST');
      expect(await codeOf(store.content.get(bad as Digest))).toBe('ERR_INVALID_DIGEST');
    }
  });

  it('list ignores files in blobs/ that are not named by a digest', async () => {
    await writeFile(join(root, 'blobs', 'sha256', 'README'), 'not a blob');
    const { digest } = await store.content.put(Readable.from([Buffer.from('real')]));
    const listed = [];
    for await (const info of store.content.list()) listed.push(info.digest);
    expect(listed).toEqual([digest]);
  });

  it('adopt moves a staged file in, and when the blob exists it just drops the staged copy', async () => {
    const staging = await store.content.stagingDir();
    expect(staging).toBe(join(root, 'berth', 'tmp'));
    const bytes = randomBytes(4096);
    const info = { digest: sha256(bytes), size: bytes.length };
    await writeFile(join(staging, 'one'), bytes);
    expect(await store.content.adopt(join(staging, 'one'), info)).toBe(true);
    await writeFile(join(staging, 'two'), bytes);
    expect(await store.content.adopt(join(staging, 'two'), info)).toBe(true);
    expect(await tmpEntries()).toEqual([]);
    expect(await store.content.stat(info.digest)).toEqual(info);
  });

  it('get honours an abort signal', async () => {
    const { digest } = await store.content.put(Readable.from([randomBytes(1_000_000)]));
    const controller = new AbortController();
    const stream = await store.content.get(digest, { signal: controller.signal });
    controller.abort();
    await expect((async () => {
      for await (const _ of stream) { /* drain */ }
    })()).rejects.toMatchObject({ name: 'AbortError' });
  });
});
