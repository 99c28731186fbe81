import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarOf, type Entry } from '../layer/tar-fixture.test-support.js';
import { extractIntoRoot } from './extract-into.js';

let work: string;
let root: string;
let outside: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'extract-into-'));
  root = join(work, 'rootfs');
  outside = join(work, 'host');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(root, 'etc', 'old'), 'old\n');
  // The container's own links: absolute and relative ways out of its root.
  await symlink('/etc', join(root, 'etclink'));
  await symlink(outside, join(root, 'hostlink'));
  await symlink('../../../../..' + outside, join(root, 'etc', 'up'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const extract = async (dir: string, entries: Entry[], gzip = false, noOverwriteDirNonDir = false): Promise<void> => {
  const tar = await tarOf(entries);
  await extractIntoRoot(root, dir, Readable.from([gzip ? gzipSync(tar) : tar]), { container: 'c1', noOverwriteDirNonDir });
};

describe('extractIntoRoot (docker cp into a container)', () => {
  it('writes files, directories, symlinks and hard links with the tar\'s modes, owners and times', async () => {
    await extract('/etc', [
      { name: 'conf/', type: 'directory', mode: 0o750, uid: 12, gid: 34 },
      { name: 'conf/a.txt', body: 'a\n', mode: 0o640, uid: 5, gid: 6, mtime: new Date('2020-01-02T03:04:05Z') },
      { name: 'conf/l', type: 'symlink', linkname: 'a.txt' },
      { name: 'conf/h', type: 'link', linkname: 'conf/a.txt' },
    ], true);
    const dir = await lstat(join(root, 'etc/conf'));
    expect({ mode: dir.mode & 0o7777, uid: dir.uid, gid: dir.gid }).toEqual({ mode: 0o750, uid: 12, gid: 34 });
    const a = await lstat(join(root, 'etc/conf/a.txt'));
    expect({ mode: a.mode & 0o7777, uid: a.uid, gid: a.gid, mtime: a.mtime.toISOString(), nlink: a.nlink }).toEqual({ mode: 0o640, uid: 5, gid: 6, mtime: '2020-01-02T03:04:05.000Z', nlink: 2 });
    expect(await readlink(join(root, 'etc/conf/l'))).toBe('a.txt');
    expect(await readFile(join(root, 'etc/conf/h'), 'utf8')).toBe('a\n');
  });

  it('replaces what is there: a file by a file, a directory by a file, a file by a directory', async () => {
    await mkdir(join(root, 'etc/d/sub'), { recursive: true });
    await extract('/etc', [{ name: 'old', body: 'new\n' }, { name: 'd', body: 'now a file\n' }]);
    expect(await readFile(join(root, 'etc/old'), 'utf8')).toBe('new\n');
    expect(await readFile(join(root, 'etc/d'), 'utf8')).toBe('now a file\n');
    await extract('/etc', [{ name: 'old/', type: 'directory' }, { name: 'old/x', body: 'x' }]);
    expect((await lstat(join(root, 'etc/old'))).isDirectory()).toBe(true);
  });

  it('with noOverwriteDirNonDir, refuses to replace a directory by a file', async () => {
    await mkdir(join(root, 'etc/d'));
    await expect(extract('/etc', [{ name: 'd', body: 'x' }], false, true)).rejects.toThrow(/cannot overwrite directory "\/etc\/d" with non-directory "d"/);
    expect((await lstat(join(root, 'etc/d'))).isDirectory()).toBe(true);
  });

  it('follows the container\'s symlinks inside its root only: absolute, relative and as the destination', async () => {
    // The link's target does not exist in the container: nothing is written anywhere.
    await expect(extract('/hostlink', [{ name: 'x', body: 'x' }])).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN' });
    await mkdir(join(root, outside), { recursive: true });
    await extract('/hostlink', [{ name: 'x', body: 'x' }]);
    await extract('/etc', [{ name: 'up/y', body: 'y' }]);
    await extract('/', [{ name: 'etclink/z', body: 'z' }]);
    expect(await readFile(join(root, 'etc/z'), 'utf8')).toBe('z');
    expect(await readFile(join(root, outside, 'x'), 'utf8')).toBe('x');
    expect(await readFile(join(root, outside, 'y'), 'utf8')).toBe('y');
    expect(await readdir(outside)).toEqual([]);
  });

  it('never writes through a symlink the archive itself planted', async () => {
    await mkdir(join(root, outside), { recursive: true });
    await extract('/etc', [{ name: 'trap', type: 'symlink', linkname: outside }, { name: 'trap/evil', body: 'evil' }]);
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(root, outside, 'evil'), 'utf8')).toBe('evil');
  });

  it('refuses entries that climb out, a missing destination and one that is not a directory', async () => {
    await expect(extract('/etc', [{ name: '../../escape', body: 'x' }])).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await expect(extract('/etc', [{ name: '/abs', body: 'x' }])).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await expect(extract('/nope', [{ name: 'x', body: 'x' }])).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN', message: 'Could not find the file /nope in container c1' });
    await expect(extract('/etc/old', [{ name: 'x', body: 'x' }])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: 'extraction point is not a directory' });
    expect(await readdir(outside)).toEqual([]);
  });

  it('refuses a truncated archive', async () => {
    const tar = await tarOf([{ name: 'big', body: Buffer.alloc(5000, 1) }]);
    await expect(extractIntoRoot(root, '/etc', Readable.from([tar.subarray(0, 3000)]), { container: 'c1' })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID' });
  });
});
