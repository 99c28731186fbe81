// The context walker: Go's lexical walk order, .dockerignore applied, symlinks never followed.
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkContext } from './context-walker.js';
import { createIgnoreMatcher, parseDockerignore } from './dockerignore.js';

let dir = '';
let outside = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-ctx-'));
  outside = await mkdtemp(join(tmpdir(), 'berth-outside-'));
  await writeFile(join(outside, 'secret'), 'host secret');
  await mkdir(join(dir, 'a'));
  await writeFile(join(dir, 'a', 'b'), 'b');
  await writeFile(join(dir, 'a.txt'), 'a');
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
  await mkdir(join(dir, 'build', 'deep'), { recursive: true });
  await writeFile(join(dir, 'build', 'out.o'), 'o');
  await writeFile(join(dir, 'build', 'deep', 'keep.txt'), 'k');
  await symlink(outside, join(dir, 'link-out'));
  await symlink(join(outside, 'secret'), join(dir, 'secret-link'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function list(ignore?: string): Promise<string[]> {
  const out: string[] = [];
  const opts = ignore === undefined ? {} : { ignore: createIgnoreMatcher(parseDockerignore(ignore)) };
  for await (const e of walkContext(dir, opts)) out.push(`${e.type}:${e.path}`);
  return out;
}

describe('walkContext', () => {
  it('walks depth-first in byte order per directory, reporting symlinks without following them', async () => {
    expect(await list()).toEqual([
      'file:Dockerfile',
      'dir:a',
      'file:a/b',
      'file:a.txt',
      'dir:build',
      'dir:build/deep',
      'file:build/deep/keep.txt',
      'file:build/out.o',
      'symlink:link-out',
      'symlink:secret-link',
    ]);
  });

  it('skips ignored entries and whole ignored directories', async () => {
    expect(await list('build\n*.txt\nlink-*\n')).toEqual(['file:Dockerfile', 'dir:a', 'file:a/b', 'symlink:secret-link']);
  });

  it('descends into an ignored directory when an exception may re-include a file in it', async () => {
    expect(await list('build\n!build/deep/keep.txt\n')).toEqual([
      'file:Dockerfile',
      'dir:a',
      'file:a/b',
      'file:a.txt',
      'file:build/deep/keep.txt',
      'symlink:link-out',
      'symlink:secret-link',
    ]);
  });

  it('refuses a context that is not a directory', async () => {
    await expect(walkContext(join(dir, 'a.txt')).next()).rejects.toThrow('context must be a directory');
  });
});
