import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyInfoDestinationPath, copyInfoSourcePath, resolveLocalPath, splitCpArg, tarHostSource, validateOutputPath } from './copy-host.js';

let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'copy-host-'));
  await mkdir(join(work, 'd/sub'), { recursive: true });
  await writeFile(join(work, 'd/f'), 'f');
  await writeFile(join(work, 'd/sub/g'), 'g');
  await symlink('d', join(work, 'dl'));
  await symlink('d/f', join(work, 'fl'));
  await symlink('nowhere', join(work, 'dangling'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function names(info: Parameters<typeof tarHostSource>[0]): Promise<string[]> {
  const out: string[] = [];
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    out.push(h.name);
    body.resume();
    body.on('end', next);
  });
  const tar = tarHostSource(info);
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve).on('error', reject);
    tar.pipe(ex);
  });
  return out;
}

describe('berth cp: the host side', () => {
  it('reads CONTAINER:PATH as docker does; `./x:y` and `/x:y` are local', () => {
    expect(splitCpArg('web:/etc')).toEqual({ container: 'web', path: '/etc' });
    expect(splitCpArg('web:etc/hosts')).toEqual({ container: 'web', path: 'etc/hosts' });
    expect(splitCpArg('./a:b')).toEqual({ path: './a:b' });
    expect(splitCpArg('/a:b')).toEqual({ path: '/a:b' });
    expect(splitCpArg('plain')).toEqual({ path: 'plain' });
    expect(splitCpArg('-')).toEqual({ path: '-' });
  });

  it('makes local paths absolute, keeping a trailing `/` or `/.`', () => {
    expect(resolveLocalPath('x/')).toBe(`${process.cwd()}/x/`);
    expect(resolveLocalPath('x/.')).toBe(`${process.cwd()}/x/.`);
    expect(resolveLocalPath('/a//b')).toBe('/a/b');
  });

  it('a source symlink is copied as a link, or followed with -L under its own name', async () => {
    expect(await copyInfoSourcePath(join(work, 'fl'), false)).toEqual({ path: join(work, 'fl'), exists: true, isDir: false });
    expect(await copyInfoSourcePath(join(work, 'fl'), true)).toEqual({ path: join(work, 'd/f'), exists: true, isDir: false, rebaseName: 'fl' });
    expect(await copyInfoSourcePath(join(work, 'dl'), true)).toEqual({ path: join(work, 'd'), exists: true, isDir: true, rebaseName: 'dl' });
    // `link/` names the directory behind the link, kept under the link's name.
    expect(await copyInfoSourcePath(`${join(work, 'dl')}/`, false)).toEqual({ path: `${join(work, 'd')}/`, exists: true, isDir: true, rebaseName: 'dl' });
    await expect(copyInfoSourcePath(join(work, 'nope'), false)).rejects.toThrow(`lstat ${join(work, 'nope')}: no such file or directory`);
  });

  it('tars a source under its name, its rebase name, or `.` for its contents', async () => {
    expect(await names(await copyInfoSourcePath(join(work, 'd'), false))).toEqual(['d/', 'd/f', 'd/sub/', 'd/sub/g']);
    expect(await names(await copyInfoSourcePath(`${join(work, 'd')}/.`, false))).toEqual(['./', './f', './sub/', './sub/g']);
    expect(await names(await copyInfoSourcePath(join(work, 'fl'), true))).toEqual(['fl']);
  });

  it('a destination symlink is followed, even dangling; a new path needs its parent directory', async () => {
    expect(await copyInfoDestinationPath(join(work, 'dl'))).toEqual({ path: join(work, 'd'), exists: true, isDir: true });
    expect(await copyInfoDestinationPath(join(work, 'dangling'))).toEqual({ path: join(work, 'nowhere'), exists: false, isDir: false });
    expect(await copyInfoDestinationPath(join(work, 'new'))).toEqual({ path: join(work, 'new'), exists: false, isDir: false });
    await expect(copyInfoDestinationPath(join(work, 'no/new'))).rejects.toThrow(`stat ${join(work, 'no')}: no such file or directory`);
    await expect(copyInfoDestinationPath(join(work, 'd/f/new'))).rejects.toThrow(/^not a directory$/);
  });

  it('validates the output path as docker does', async () => {
    await expect(validateOutputPath(join(work, 'a/b/c'))).rejects.toThrow(`invalid output path: directory "${join(work, 'a/b')}" does not exist`);
    await expect(validateOutputPath('/dev/null')).rejects.toThrow('invalid output path: "/dev/null" must be a directory or a regular file: got a device');
    await expect(validateOutputPath(join(work, 'd/f/x'))).rejects.toThrow(`stat ${join(work, 'd/f/x')}: not a directory`);
    await expect(validateOutputPath(join(work, 'd'))).resolves.toBeUndefined();
    await expect(validateOutputPath(join(work, 'new/'))).resolves.toBeUndefined();
  });
});
