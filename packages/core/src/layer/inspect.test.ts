import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { tarOf, type Entry } from './tar-fixture.test-support.js';
import { inspectLayer } from './inspect.js';
import { digestAndInspect } from './digest-and-inspect.js';
import { openUncompressed } from './compression.js';


const opts = { allowDevices: false, what: 'layer L' };
const inspect = (b: Buffer, o = opts) => inspectLayer(Readable.from([b]), o);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** moby pkg/directory Size, reimplemented over a real unpack: lstat sizes, no dirs, each inode once. */
async function dockerSizeOfUnpacked(tar: Buffer): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-size-'));
  try {
    await writeFile(join(dir, 'l.tar'), tar);
    await rm(join(dir, 'root'), { force: true });
    execFileSync('mkdir', [join(dir, 'root')]);
    execFileSync('tar', ['-xf', join(dir, 'l.tar'), '-C', join(dir, 'root')]);
    const seen = new Set<number>();
    let size = 0;
    const walk = async (d: string): Promise<void> => {
      for (const name of await readdir(d)) {
        const st = await lstat(join(d, name));
        if (st.isDirectory()) { await walk(join(d, name)); continue; }
        if (st.size === 0 || seen.has(st.ino)) continue;
        seen.add(st.ino);
        size += st.size;
      }
    };
    await walk(join(dir, 'root'));
    return size;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('inspectLayer', () => {
  const tree: Entry[] = [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/hosts', body: 'hello world\n' },
    { name: 'etc/hosts2', type: 'link', linkname: 'etc/hosts' },
    { name: 'etc/alias', type: 'symlink', linkname: 'hosts' },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
    { name: 'empty', body: '' },
    { name: './usr/lib/x', body: Buffer.alloc(3000, 7) },
  ];

  it('diffID is the sha256 of every byte, including the end-of-archive padding', async () => {
    const tar = await tarOf(tree);
    const padded = Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]);
    for (const b of [tar, padded]) {
      const stats = await inspect(b);
      expect(stats.diffID).toBe(sha(b));
      expect(stats.tarSize).toBe(b.length);
    }
  });

  it('size is what Docker measures on the unpacked layer (lstat sizes, hard links once)', async () => {
    const tar = await tarOf(tree);
    const stats = await inspect(tar);
    expect(stats.size).toBe(await dockerSizeOfUnpacked(tar));
    // 12 (hosts, once for its hard link) + 5 ("hosts") + 12 ("/bin/busybox") + 3000
    expect(stats.size).toBe(12 + 5 + 12 + 3000);
  });

  it('a later entry for the same path replaces the earlier one in the size', async () => {
    const tar = await tarOf([{ name: 'a', body: 'x'.repeat(100) }, { name: 'a', body: 'y' }]);
    expect((await inspect(tar)).size).toBe(await dockerSizeOfUnpacked(tar));
  });

  it.each([
    ['an absolute name', [{ name: '/etc/passwd', body: 'x' }], /entry "\/etc\/passwd" has an absolute path/],
    ['a ".." escape', [{ name: 'a/../../x', body: 'x' }], /climbs out of the root/],
    ['a write through an earlier symlink', [{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', body: 'x' }], /"l\/passwd" goes through the symlink "l"/],
    ['a hard link with an absolute target', [{ name: 'h', type: 'link', linkname: '/etc/shadow' }], /hard link "h" points to the absolute path/],
    ['a hard link that climbs out', [{ name: 'h', type: 'link', linkname: '../x' }], /hard link "h" points outside the root/],
    ['a hard link through a symlink', [{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'h', type: 'link', linkname: 'l/shadow' }], /hard link target "l\/shadow" goes through the symlink/],
    ['a symlink that climbs above the root', [{ name: 'a/l', type: 'symlink', linkname: '../../etc' }], /symlink "a\/l" points outside the root/],
    ['a character device', [{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }], /"dev\/null" is a character device/],
    ['a fifo', [{ name: 'p', type: 'fifo' }], /"p" is a fifo/],
  ])('refuses %s with ERR_UNSAFE_PATH', async (_label, entries, message) => {
    const tar = await tarOf(entries as Entry[]);
    await expect(inspect(tar)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', message: expect.stringMatching(message) });
  });

  it('allows devices when asked, but never the overlay whiteout device 0:0', async () => {
    const dev = await tarOf([{ name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 }]);
    await expect(inspect(dev, { allowDevices: true, what: 'L' })).resolves.toMatchObject({ size: 0 });
    const wh = await tarOf([{ name: 'gone', type: 'character-device', devmajor: 0, devminor: 0 }]);
    await expect(inspect(wh, { allowDevices: true, what: 'L' })).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', message: expect.stringMatching(/whiteout device/) });
  });

  it('accepts a symlink that stays inside, a directory replacing a symlink, and ".." inside', async () => {
    const tar = await tarOf([
      { name: 'a/b/l', type: 'symlink', linkname: '../../c' },
      { name: 'l', type: 'symlink', linkname: 'x' },
      { name: 'l', type: 'directory' },
      { name: 'l/f', body: 'ok' },
      { name: 'a/../d', body: 'ok' },
    ]);
    await expect(inspect(tar)).resolves.toMatchObject({ tarSize: tar.length });
  });

  it('a truncated tar or a non-tar is ERR_LAYER_INVALID with one line', async () => {
    const tar = await tarOf([{ name: 'big', body: Buffer.alloc(5000, 1) }]);
    await expect(inspect(tar.subarray(0, 2000))).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: 'layer L: unexpected EOF: the tar is truncated' });
    await expect(inspect(Buffer.alloc(1024, 0x41))).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: expect.stringMatching(/^layer L: not a valid tar/) });
  });
});

describe('openUncompressed and digestAndInspect', () => {
  it('gzip: blob digest over the raw bytes, diffID over the tar', async () => {
    const tar = await tarOf([{ name: 'f', body: 'content' }]);
    const gz = gzipSync(tar);
    const r = await digestAndInspect(Readable.from([gz]), opts);
    expect(r).toMatchObject({ compression: 'gzip', blobDigest: sha(gz), blobSize: gz.length, stats: { diffID: sha(tar), tarSize: tar.length, size: 7 } });
    const plain = await digestAndInspect(Readable.from([tar]), opts);
    expect(plain).toMatchObject({ compression: 'none', blobDigest: sha(tar), stats: { diffID: sha(tar) } });
  });

  it('a truncated gzip is ERR_LAYER_INVALID "unexpected EOF", not a zlib error', async () => {
    const gz = gzipSync(await tarOf([{ name: 'f', body: Buffer.alloc(100_000, 3) }]));
    await expect(digestAndInspect(Readable.from([gz.subarray(0, gz.length - 20)]), opts)).rejects.toMatchObject({
      code: 'ERR_LAYER_INVALID', message: 'layer L: unexpected EOF: the gzip stream is truncated',
    });
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 20, 60);
    await expect(digestAndInspect(Readable.from([corrupt]), opts)).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: expect.stringMatching(/^layer L: corrupt gzip stream/) });
  });

  it('refuses bzip2 and xz layers clearly (no image media type has them)', async () => {
    const heads: Array<[string, number[]]> = [['bzip2', [0x42, 0x5a, 0x68, 0x39, 0, 0]], ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]]];
    for (const [name, bytes] of heads) {
      await expect(openUncompressed(Readable.from([Buffer.from(bytes)]))).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: `${name}-compressed layers are not supported` });
    }
  });

  it('sniffs across tiny chunks and keeps every byte', async () => {
    const tar = await tarOf([{ name: 'f', body: 'abc' }]);
    const gz = gzipSync(tar);
    const { stream, compression } = await openUncompressed(Readable.from([...gz].map((b) => Buffer.from([b]))));
    expect(compression).toBe('gzip');
    const stats = await inspectLayer(stream, opts);
    expect(stats.diffID).toBe(sha(tar));
    const empty = await openUncompressed(Readable.from([]));
    await expect(inspectLayer(empty.stream, opts)).resolves.toMatchObject({ tarSize: 0, size: 0 });
  });

  it('an unsafe entry inside a gzip layer stops the read with ERR_UNSAFE_PATH', async () => {
    const gz = gzipSync(await tarOf([{ name: '../evil', body: 'x' }, { name: 'big', body: Buffer.alloc(1 << 20) }]));
    await expect(digestAndInspect(Readable.from([gz]), opts)).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
  });
});
