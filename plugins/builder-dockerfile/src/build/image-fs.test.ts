// The filesystem index: layers applied with whiteouts, and symlinks resolved inside the image.
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { ImageFs } from './image-fs.js';
import { applyCopy, type CopyInfo } from './copy-plan.js';
import { layerPaths } from './layer-tar.js';
import { ContextFs } from './source-fs.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink'; linkname?: string; content?: string };

function layer(entries: Entry[]): { open(): Promise<Readable> } {
  return {
    open: async () => {
      const p = pack();
      for (const e of entries) {
        const type = e.type ?? 'file';
        p.entry({ name: e.name, type, mode: type === 'directory' ? 0o755 : 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, type === 'file' ? Buffer.from(e.content ?? '') : undefined);
      }
      p.finalize();
      return p as unknown as Readable;
    },
  };
}

describe('ImageFs', () => {
  it('applies whiteouts and opaque directories over lower layers only', async () => {
    const fs = await ImageFs.fromLayers(
      [
        layer([{ name: 'a/', type: 'directory' }, { name: 'a/old' }, { name: 'b/', type: 'directory' }, { name: 'b/gone' }, { name: 'b/kept' }]),
        layer([{ name: 'a/', type: 'directory' }, { name: 'a/new' }, { name: 'a/.wh..wh..opq' }, { name: 'b/.wh.gone' }]),
      ],
      'test',
    );
    expect(fs.children('a')).toEqual(['new']);
    expect(fs.children('b')).toEqual(['kept']);
  });

  it('resolves symlinks inside the image: absolute targets and `..` never leave the root', async () => {
    const fs = await ImageFs.fromLayers(
      [
        layer([
          { name: 'etc/', type: 'directory' },
          { name: 'evil', type: 'symlink', linkname: '/etc' },
          { name: 'up', type: 'symlink', linkname: '../../../../etc' },
          { name: 'loop', type: 'symlink', linkname: 'loop' },
        ]),
      ],
      'test',
    );
    expect(fs.resolve('/evil/passwd')).toBe('etc/passwd');
    expect(fs.resolve('up/x')).toBe('etc/x');
    expect(fs.resolve('/../../evil')).toBe('etc');
    expect(fs.resolve('evil', true)).toBe('evil');
    expect(() => fs.resolve('loop/x')).toThrow(/too many links/);
  });

  it('COPY through an image symlink writes the entry under its target, and the layer names only paths inside', async () => {
    const fs = await ImageFs.fromLayers([layer([{ name: 'etc/', type: 'directory' }, { name: 'evil', type: 'symlink', linkname: '/../etc' }])], 'test');
    const info: CopyInfo = {
      origPath: 'f.txt',
      path: 'f.txt',
      node: { type: 'file', mode: 0o4755, uid: 1000, gid: 1000, mtime: new Date(0), size: 1, hostPath: '/dev/null' },
      fs: new ContextFs('/nonexistent'),
      hash: 'file:x',
      decompress: false,
    };
    const changed = await applyCopy(fs, [info], { cmd: 'COPY', dest: '/evil/', identity: { uid: 0, gid: 0 }, now: new Date(0), tmpDir: '/tmp' });
    expect([...changed]).toEqual(['etc/f.txt']);
    expect(layerPaths(fs, changed)).toEqual(['etc', 'etc/f.txt']);
    // chown(2) as root clears setuid: the classic builder's COPY loses it.
    expect(fs.get('etc/f.txt')).toMatchObject({ uid: 0, gid: 0, mode: 0o755 });
  });
});
