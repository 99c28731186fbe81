// A context archive (from stdin or a file) is unpacked without writing outside its directory.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackContext } from './context-archive.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link'; linkname?: string; content?: string };

function tarOf(entries: Entry[]): Readable {
  const p = pack();
  for (const e of entries) {
    const type = e.type ?? 'file';
    p.entry({ name: e.name, type, mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, type === 'file' ? Buffer.from(e.content ?? '') : undefined);
  }
  p.finalize();
  return p as unknown as Readable;
}

let dir = '';
let outside = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ctx-unpack-'));
  outside = await mkdtemp(join(tmpdir(), 'ctx-outside-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('unpackContext', () => {
  it('unpacks files, directories, symlinks (as links) and hard links (as copies)', async () => {
    await unpackContext(
      tarOf([
        { name: 'Dockerfile', content: 'FROM scratch\n' },
        { name: 'src/', type: 'directory' },
        { name: 'src/a.txt', content: 'a\n' },
        { name: 'src/link', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'src/hard', type: 'link', linkname: 'src/a.txt' },
      ]),
      dir,
    );
    expect(await readFile(join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect(await readlink(join(dir, 'src/link'))).toBe('/etc/passwd');
    expect(await readFile(join(dir, 'src/hard'), 'utf8')).toBe('a\n');
  });

  it('refuses entries climbing out with ../ and absolute names', async () => {
    await expect(unpackContext(tarOf([{ name: `../${outside.split('/').pop()}/x`, content: 'x' }]), dir)).rejects.toThrow(/climbs out/);
    await expect(unpackContext(tarOf([{ name: `${outside}/y`, content: 'y' }]), dir)).rejects.toThrow(/absolute/);
    expect(existsSync(join(outside, 'x'))).toBe(false);
    expect(existsSync(join(outside, 'y'))).toBe(false);
  });

  it('refuses a write through a symlink the archive made, and a hard link to it', async () => {
    await expect(unpackContext(tarOf([{ name: 'out', type: 'symlink', linkname: outside }, { name: 'out/z', content: 'z' }]), dir)).rejects.toThrow(/symlink/);
    expect(existsSync(join(outside, 'z'))).toBe(false);
    await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'ctx-unpack-'));
    await expect(
      unpackContext(tarOf([{ name: 'pw', type: 'symlink', linkname: '/etc/passwd' }, { name: 'copy', type: 'link', linkname: 'pw' }]), dir),
    ).rejects.toThrow(/points to a symlink/);
    expect(existsSync(join(dir, 'copy'))).toBe(false);
  });
});
