import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarOf, type Entry } from '../layer/tar-fixture.test-support.js';
import { extractOntoHost } from './extract-onto-host.js';

let work: string;
let dest: string;
let outside: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'extract-onto-host-'));
  dest = join(work, 'dest');
  outside = join(work, 'outside');
  await mkdir(dest);
  await mkdir(outside);
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const extract = async (entries: Entry[], at = dest): Promise<void> =>
  extractOntoHost(at, Readable.from([await tarOf(entries)]), { what: 'the archive from c1:/x', noOverwriteDirNonDir: true });

describe('extractOntoHost (docker cp out of a container)', () => {
  it('writes files, directories, symlinks and hard links with the tar\'s modes and times, owned by the user copying', async () => {
    await extract([
      { name: 'out/', type: 'directory', mode: 0o750, uid: 12, gid: 34 },
      { name: 'out/a.txt', body: 'a\n', mode: 0o640, uid: 5, gid: 6, mtime: new Date('2020-01-02T03:04:05Z') },
      { name: 'out/l', type: 'symlink', linkname: 'a.txt' },
      { name: 'out/abs', type: 'symlink', linkname: '/etc' },
      { name: 'out/h', type: 'link', linkname: 'out/a.txt' },
    ]);
    const dir = await lstat(join(dest, 'out'));
    expect({ mode: dir.mode & 0o7777, uid: dir.uid }).toEqual({ mode: 0o750, uid: process.getuid!() });
    const a = await lstat(join(dest, 'out/a.txt'));
    expect({ mode: a.mode & 0o7777, uid: a.uid, gid: a.gid, mtime: a.mtime.toISOString(), nlink: a.nlink }).toEqual({ mode: 0o640, uid: process.getuid!(), gid: process.getgid!(), mtime: '2020-01-02T03:04:05.000Z', nlink: 2 });
    expect(await readlink(join(dest, 'out/l'))).toBe('a.txt');
    // An absolute target is the container's business, as docker allows it: never followed here.
    expect(await readlink(join(dest, 'out/abs'))).toBe('/etc');
  });

  it('skips the top `.` entry and merges into an existing directory', async () => {
    await writeFile(join(dest, 'keep'), 'k');
    await extract([{ name: './', type: 'directory', mode: 0o700 }, { name: './n', body: 'n' }]);
    expect((await lstat(dest)).mode & 0o777).toBe(0o755);
    expect((await readdir(dest)).sort()).toEqual(['keep', 'n']);
  });

  it('refuses names that climb out with `..` or are absolute', async () => {
    await expect(extract([{ name: '../escape', body: 'x' }])).rejects.toThrow('climbs out of the root');
    await expect(extract([{ name: 'a/../../escape', body: 'x' }])).rejects.toThrow('climbs out of the root');
    await expect(extract([{ name: '/etc/escape', body: 'x' }])).rejects.toThrow('absolute path');
    expect(await readdir(work)).toEqual(['dest', 'outside']);
  });

  it('refuses a relative symlink that points above the destination, with docker\'s message', async () => {
    await expect(extract([{ name: 'up', type: 'symlink', linkname: '../../x' }])).rejects.toThrow(`invalid symlink "${dest}/up" -> "../../x"`);
    // Inside is fine, however it is spelled; a trailing `/` on the destination changes nothing.
    await extract([{ name: 'b/', type: 'directory' }, { name: 'b/rel', type: 'symlink', linkname: '../b' }], `${dest}/`);
    expect(await readlink(join(dest, 'b/rel'))).toBe('../b');
  });

  it('never writes through a symlink that leads out: one from the tar, or one already there', async () => {
    await expect(extract([
      { name: 'l', type: 'symlink', linkname: '/x' },
      { name: 'l/passwd', body: 'owned' },
    ])).rejects.toThrow(/leads outside/);
    await symlink(outside, join(dest, 'host'));
    await expect(extract([{ name: 'host/passwd', body: 'owned' }])).rejects.toThrow(`"host" leads outside of "${dest}" through a symbolic link`);
    await expect(extract([{ name: 'host/new/deeper', body: 'owned' }])).rejects.toThrow(/leads outside/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('writes through a symlink that stays inside', async () => {
    await mkdir(join(dest, 'real'));
    await symlink('real', join(dest, 'alias'));
    await extract([{ name: 'alias/f', body: 'in' }]);
    expect(await readFile(join(dest, 'real/f'), 'utf8')).toBe('in');
  });

  it('refuses a hard link to a file outside the tar\'s tree', async () => {
    await writeFile(join(outside, 'secret'), 's');
    await expect(extract([{ name: 'h', type: 'link', linkname: '../outside/secret' }])).rejects.toThrow(/points outside the root/);
  });

  it('replaces a directory by a file only without noOverwriteDirNonDir, with docker\'s message', async () => {
    await mkdir(join(dest, 'd'));
    await expect(extract([{ name: 'd', body: 'x' }])).rejects.toThrow(`cannot overwrite directory "${dest}/d" with non-directory "${dest}"`);
    await writeFile(join(dest, 'f'), 'x');
    await expect(extract([{ name: 'f/', type: 'directory' }])).rejects.toThrow(`cannot overwrite non-directory "${dest}/f" with directory "${dest}"`);
    await extractOntoHost(dest, Readable.from([await tarOf([{ name: 'd', body: 'now a file' }])]), { what: 'x' });
    expect(await readFile(join(dest, 'd'), 'utf8')).toBe('now a file');
  });

  it('replaces an existing symlink instead of writing through it', async () => {
    await writeFile(join(outside, 'target'), 'untouched');
    await symlink(join(outside, 'target'), join(dest, 'f'));
    await extract([{ name: 'f', body: 'new' }]);
    expect((await lstat(join(dest, 'f'))).isFile()).toBe(true);
    expect(await readFile(join(outside, 'target'), 'utf8')).toBe('untouched');
  });
});
