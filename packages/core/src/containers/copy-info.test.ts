import { describe, expect, it } from 'vitest';
import { assertsDirectory, getRebaseName, prepareArchiveCopy, preserveTrailingDotOrSeparator, splitPathDirEntry } from './copy-info.js';

const file = (path: string, exists = true) => ({ path, exists, isDir: false });
const dir = (path: string, exists = true) => ({ path, exists, isDir: exists });

describe('docker cp path rules (moby archive.CopyInfo)', () => {
  it('splits a path into its directory and last component, `/.` kept as the component', () => {
    expect(splitPathDirEntry('/a/b')).toEqual({ dir: '/a', base: 'b' });
    expect(splitPathDirEntry('/a/b/')).toEqual({ dir: '/a', base: 'b' });
    expect(splitPathDirEntry('/a/b/.')).toEqual({ dir: '/a/b', base: '.' });
    expect(splitPathDirEntry('/')).toEqual({ dir: '/', base: '/' });
    expect(splitPathDirEntry('b')).toEqual({ dir: '.', base: 'b' });
  });

  it('keeps the trailing `/` or `/.` a cleaned path lost', () => {
    expect(preserveTrailingDotOrSeparator('/a/b', 'a/b/')).toBe('/a/b/');
    expect(preserveTrailingDotOrSeparator('/a/b', 'a/b/.')).toBe('/a/b/.');
    expect(preserveTrailingDotOrSeparator('/', '/.')).toBe('/.');
    expect(preserveTrailingDotOrSeparator('/a/b', 'a/b')).toBe('/a/b');
    expect(assertsDirectory('/a/')).toBe(true);
    expect(assertsDirectory('/a/.')).toBe(true);
    expect(assertsDirectory('/a')).toBe(false);
  });

  it('a followed link keeps the asked-for name and its trailing `/.`', () => {
    expect(getRebaseName('/out/link', '/out/a.txt')).toEqual({ path: '/out/a.txt', rebaseName: 'link' });
    expect(getRebaseName('/outlink/', '/out')).toEqual({ path: '/out/', rebaseName: 'outlink' });
    expect(getRebaseName('/outlink/.', '/out')).toEqual({ path: '/out/.' });
    expect(getRebaseName('/same', '/x/same')).toEqual({ path: '/x/same' });
  });

  it('an existing directory takes the source inside it, unchanged', () => {
    expect(prepareArchiveCopy(dir('/s/d'), dir('/t'))).toEqual({ dir: '/t' });
    expect(prepareArchiveCopy(file('/s/f'), dir('/t/'))).toEqual({ dir: '/t/' });
  });

  it('a new path or an existing file renames the source to it, in the parent', () => {
    expect(prepareArchiveCopy(dir('/s/d'), file('/t/new', false))).toEqual({ dir: '/t', rebase: { from: 'd', to: 'new' } });
    expect(prepareArchiveCopy(file('/s/f'), file('/t/old'))).toEqual({ dir: '/t', rebase: { from: 'f', to: 'old' } });
    expect(prepareArchiveCopy(dir('/s/d/.'), file('/t/new', false))).toEqual({ dir: '/t', rebase: { from: '.', to: 'new' } });
    // A directory to a new path ending in `/` is made under that name, as docker does.
    expect(prepareArchiveCopy(dir('/s/d'), file('/t/new/', false))).toEqual({ dir: '/t', rebase: { from: 'd', to: 'new' } });
    // A followed link's entries carry the link's name.
    expect(prepareArchiveCopy({ ...file('/s/target'), rebaseName: 'link' }, file('/t/x', false))).toEqual({ dir: '/t', rebase: { from: 'link', to: 'x' } });
  });

  it('refuses a directory onto a file and a file to a directory that does not exist, in docker\'s words', () => {
    expect(() => prepareArchiveCopy(dir('/s/d'), file('/t/f'))).toThrow(/^cannot copy directory$/);
    expect(() => prepareArchiveCopy(file('/s/f'), file('/t/nodir/', false))).toThrow(/^no such directory$/);
    expect(() => prepareArchiveCopy(file('/s/f'), file('/t/nodir/.', false))).toThrow(/^no such directory$/);
  });
});
