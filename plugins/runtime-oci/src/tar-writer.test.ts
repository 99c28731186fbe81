import { mkdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '@berth/testkit';
import { chooseSnapshotter } from './snapshotter.js';
import { TAR_END, tarHeader, tarPadding, type TarEntry } from './tar-writer.js';
import { getXattr } from './xattr.js';
import { tempDir } from './fixtures.test-support.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('tarw');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tarOf(entries: Array<TarEntry & { body?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { body, ...e } of entries) {
    parts.push(tarHeader({ ...e, size: body?.length ?? 0 }));
    if (body) parts.push(body, tarPadding(body.length));
  }
  return Buffer.concat([...parts, TAR_END]);
}

describe('the layer tar encoder, read back by GNU tar', () => {
  const long150 = `${'d'.repeat(60)}/${'e'.repeat(50)}/${'f'.repeat(37)}`;
  const long300 = `${'x'.repeat(200)}/${'y'.repeat(99)}`;
  const binary = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0xff, 0x00, 0x7f]);
  const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_700_000_000 };
  const entries: Array<TarEntry & { body?: Buffer }> = [
    { ...base, name: 'dir', type: 'directory', mode: 0o755 },
    { ...base, name: 'dir/plain', type: 'file', body: Buffer.from('plain\n'), uid: 1000, gid: 100, mode: 0o4755 },
    { ...base, name: long150, type: 'file', body: Buffer.from('split into prefix and name\n') },
    { ...base, name: long300, type: 'file', body: Buffer.from('needs a PAX path\n') },
    { ...base, name: 'données/é.txt', type: 'file', body: Buffer.from('utf-8\n') },
    { ...base, name: 'big-ids', type: 'file', uid: 3_000_000, gid: 4_000_000, body: Buffer.from('ids\n') },
    { ...base, name: 'caps', type: 'file', xattrs: new Map([['user.bin', binary], ['user.text', Buffer.from('hello')]]), body: Buffer.alloc(0) },
    { ...base, name: 'longlink', type: 'symlink', linkname: `/${long150}` },
    { ...base, name: 'hard', type: 'link', linkname: 'dir/plain' },
  ];

  it('names (ustar prefix split, PAX path, UTF-8), ids beyond 7 octal digits, link targets, modes and times', async () => {
    const tarFile = join(dir, 'enc.tar');
    await writeFile(tarFile, tarOf(entries));
    const listed = await run('tar', ['--numeric-owner', '--full-time', '-tvf', tarFile], { env: { TZ: 'UTC', PATH: process.env['PATH'], LC_ALL: 'C.UTF-8' } });
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n').map((l) => l.replace(/\s+/g, ' '));
    expect(lines).toEqual([
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 dir/',
      '-rwsr-xr-x 1000/100 6 2023-11-14 22:13:20 dir/plain',
      `-rw-r--r-- 0/0 27 2023-11-14 22:13:20 ${long150}`,
      `-rw-r--r-- 0/0 17 2023-11-14 22:13:20 ${long300}`,
      '-rw-r--r-- 0/0 6 2023-11-14 22:13:20 données/é.txt',
      '-rw-r--r-- 3000000/4000000 4 2023-11-14 22:13:20 big-ids',
      '-rw-r--r-- 0/0 0 2023-11-14 22:13:20 caps',
      `lrw-r--r-- 0/0 0 2023-11-14 22:13:20 longlink -> /${long150}`,
      'hrw-r--r-- 0/0 0 2023-11-14 22:13:20 hard link to dir/plain',
    ]);
  });

  it('xattrs round-trip byte for byte, binary ones included', async () => {
    const tarFile = join(dir, 'xattr.tar');
    await writeFile(tarFile, tarOf(entries));
    const out = join(dir, 'x');
    await mkdir(out);
    const r = await run('tar', ['--xattrs', '--xattrs-include=*', '-xf', tarFile, '-C', out]);
    expect(r.code).toBe(0);
    expect(getXattr(join(out, 'caps'), 'user.bin')).toEqual(binary);
    expect(getXattr(join(out, 'caps'), 'user.text')?.toString()).toBe('hello');
    expect(await readFile(join(out, long300), 'utf8')).toBe('needs a PAX path\n');
    expect(await readlink(join(out, 'longlink'))).toBe(`/${long150}`);
  });

  it('the same entries give the same bytes', () => {
    expect(tarOf(entries).equals(tarOf(entries))).toBe(true);
  });
});

describe('BERTH_RUNTIME_SNAPSHOTTER', () => {
  it('names the snapshotter, defaults to overlay where the kernel has it, refuses other values', async () => {
    await expect(chooseSnapshotter('copy')).resolves.toEqual({ name: 'copy', explicit: true });
    await expect(chooseSnapshotter('overlay')).resolves.toEqual({ name: 'overlay', explicit: true });
    const fs = await readFile('/proc/filesystems', 'utf8');
    await expect(chooseSnapshotter(undefined)).resolves.toEqual({ name: /\toverlay\n/.test(fs) ? 'overlay' : 'copy', explicit: false });
    await expect(chooseSnapshotter('zfs')).rejects.toMatchObject({ code: 'ERR_BERTH_CONFIG', message: 'BERTH_RUNTIME_SNAPSHOTTER must be "overlay" or "copy", not "zfs"' });
  });
});
