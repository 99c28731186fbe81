// .dockerignore reading and matching, checked against the examples of the Dockerfile
// reference ("Build context" > ".dockerignore files").
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanPath, createIgnoreMatcher, parseDockerignore, readDockerignore } from './dockerignore.js';

const matcher = (text: string) => createIgnoreMatcher(parseDockerignore(text));

describe('parseDockerignore', () => {
  it('drops comments in column 1, blank lines and `.`, trims and cleans', () => {
    expect(parseDockerignore('\uFEFF# comment\n  #not-a-comment  \n\n/foo/bar/\n./a/../b\n.\n!  /keep/\r\n')).toEqual([
      '#not-a-comment',
      'foo/bar',
      'b',
      '!keep',
    ]);
  });

  it('cleans like Go path.Clean', () => {
    expect(['', 'a//b/', '/../a', '../../a', 'a/./b/..', '/'].map(cleanPath)).toEqual(['.', 'a/b', '/a', '../../a', 'a', '/']);
  });
});

describe('matching', () => {
  it('leading and trailing slashes are disregarded', () => {
    for (const p of ['/foo/bar/', '/foo/bar', 'foo/bar/', 'foo/bar']) {
      const m = matcher(p);
      expect(m.ignores('foo/bar')).toBe(true);
      expect(m.ignores('foo/bar/baz.txt')).toBe(true);
      expect(m.ignores('foo/barbaz')).toBe(false);
    }
  });

  it('the reference table: */temp*, */*/temp*, temp?', () => {
    const m = matcher('# comment\n*/temp*\n*/*/temp*\ntemp?\n');
    expect(m.ignores('somedir/temporary.txt')).toBe(true);
    expect(m.ignores('somedir/temp')).toBe(true);
    expect(m.ignores('somedir/subdir/temporary.txt')).toBe(true);
    expect(m.ignores('tempa')).toBe(true);
    expect(m.ignores('temporary.txt')).toBe(false);
    expect(m.ignores('tempab')).toBe(false);
    expect(m.ignores('a/b/c/temp')).toBe(false);
  });

  it('** matches any number of directories', () => {
    const m = matcher('**/*.go');
    expect(['main.go', 'a/main.go', 'a/b/c/main.go'].map(m.ignores)).toEqual([true, true, true]);
    expect(m.ignores('main.gone')).toBe(false);
  });

  it('! makes exceptions; the last matching line decides', () => {
    const m = matcher('*.md\n!README.md\n');
    expect(m.ignores('CHANGES.md')).toBe(true);
    expect(m.ignores('README.md')).toBe(false);
    expect(m.ignores('docs/guide.md')).toBe(false); // *.md only matches at the root
    const secret = matcher('*.md\n!README*.md\nREADME-secret.md\n');
    expect([secret.ignores('a.md'), secret.ignores('README-1.md'), secret.ignores('README-secret.md')]).toEqual([true, false, true]);
    const allReadmes = matcher('*.md\nREADME-secret.md\n!README*.md\n');
    expect(allReadmes.ignores('README-secret.md')).toBe(false);
    expect(allReadmes.hasExceptions).toBe(true);
  });

  it('a directory exclusion covers its contents, and an exception can re-include inside it', () => {
    const m = matcher('node_modules\nbuild\n!build/keep.txt\n');
    expect(m.ignores('node_modules/x/index.js')).toBe(true);
    expect(m.ignores('build/out.o')).toBe(true);
    expect(m.ignores('build/keep.txt')).toBe(false);
  });

  it('no patterns ignore nothing', () => {
    expect(createIgnoreMatcher([]).ignores('anything')).toBe(false);
  });
});

describe('readDockerignore', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile over the root .dockerignore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-ignore-'));
    await mkdir(join(dir, 'docker'));
    await writeFile(join(dir, '.dockerignore'), 'root-rule\n');
    await writeFile(join(dir, 'docker', 'build.Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'docker', 'build.Dockerfile.dockerignore'), 'specific-rule\n');
    await writeFile(join(dir, 'docker', 'lint.Dockerfile'), 'FROM scratch\n');
    expect(await readDockerignore(dir, join(dir, 'docker', 'build.Dockerfile'))).toEqual({
      path: join(dir, 'docker', 'build.Dockerfile.dockerignore'),
      patterns: ['specific-rule'],
    });
    expect(await readDockerignore(dir, join(dir, 'docker', 'lint.Dockerfile'))).toEqual({ path: join(dir, '.dockerignore'), patterns: ['root-rule'] });
    await rm(join(dir, '.dockerignore'));
    expect(await readDockerignore(dir, join(dir, 'Dockerfile'))).toEqual({ patterns: [] });
  });
});
