import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { tarOf } from '../layer/tar-fixture.test-support.js';
import { rebaseArchiveEntries, rebaseName } from './rebase-archive.js';

async function entries(tar: Readable): Promise<string[]> {
  const out: string[] = [];
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    void text(body).then((b) => {
      out.push(`${h.name}${h.linkname ? ` -> ${h.linkname}` : ''}${b ? ` = ${b}` : ''}`);
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve).on('error', reject);
    tar.on('error', reject);
    tar.pipe(ex);
  });
  return out;
}

describe('rebaseArchiveEntries (moby archive.RebaseArchiveEntries)', () => {
  it('renames the top entry and everything under it, hard link targets too; bodies pass unchanged', async () => {
    const tar = await tarOf([
      { name: 'd/', type: 'directory' },
      { name: 'd/f', body: 'one' },
      { name: 'd/l', type: 'symlink', linkname: 'd/f' },
      { name: 'd/h', type: 'link', linkname: 'd/f' },
      { name: 'dd/x', body: 'not under d' },
    ]);
    expect(await entries(rebaseArchiveEntries(Readable.from([tar]), 'd', 'new'))).toEqual([
      'new/', 'new/f = one', 'new/l -> d/f', 'new/h -> new/f', 'dd/x = not under d',
    ]);
  });

  it('renames a `.` top (a directory\'s contents) and the root', () => {
    expect(rebaseName('./a.txt', '.', 'new')).toBe('new/a.txt');
    expect(rebaseName('./', '.', 'new')).toBe('new/');
    expect(rebaseName('a.txt', 'a.txt', 'b.txt')).toBe('b.txt');
    expect(rebaseName('./bin/sh', '/', 'rootcopy')).toBe('rootcopy/bin/sh');
    expect(rebaseName('/bin/', '/', 'rootcopy')).toBe('rootcopy/bin/');
    expect(rebaseName('./', '/', 'rootcopy')).toBe('rootcopy');
  });

  it('ends with the error of a broken input', async () => {
    const tar = await tarOf([{ name: 'f', body: 'x'.repeat(2000) }]);
    await expect(entries(rebaseArchiveEntries(Readable.from([tar.subarray(0, 700)]), 'f', 'g'))).rejects.toThrow();
  });
});
