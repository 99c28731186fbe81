// Writes changes as an uncompressed OCI layer tar: entries in byte order of their paths, mtimes
// clamped to SOURCE_DATE_EPOCH, whiteouts as empty files as moby writes them, hard
// links among the written entries kept as links. Streams file bodies; never holds a file.
import { createReadStream } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { BerthError, type DiffOptions } from '@berth/core';
import type { Change } from './changes.js';
import { TAR_END, tarHeader, tarPadding, type TarEntry } from './tar-writer.js';
import { layerXattrs } from './xattr.js';

const byPath = (a: Change, b: Change): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

export function diffTar(changes: () => Promise<Change[]>, options: DiffOptions = {}): Readable {
  return Readable.from(entries(changes, options), { objectMode: false });
}

async function* entries(changes: () => Promise<Change[]>, options: DiffOptions): AsyncGenerator<Buffer> {
  const clamp = options.sourceDateEpoch;
  const firstName = new Map<string, string>();
  for (const c of (await changes()).sort(byPath)) {
    if (c.kind === 'whiteout') {
      // moby's overlay diff: `.wh.x` 0600 root, the opaque marker with its directory's owner and
      // permissions; the time is fixed (the epoch), not the moment of deletion, so layers repeat.
      const d = c.dir;
      yield tarHeader({ name: c.path, type: 'file', mode: d ? d.mode & 0o777 : 0o600, uid: d?.uid ?? 0, gid: d?.gid ?? 0, size: 0, mtime: 0 });
      continue;
    }
    const { st, abs, path } = c;
    const mtime = Math.floor(st.mtimeMs / 1000);
    const base = { name: path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: clamp !== undefined ? Math.min(mtime, clamp) : mtime };
    const xattrs = layerXattrs(abs);
    const e: TarEntry = xattrs.size > 0 ? { ...base, type: 'file', xattrs } : { ...base, type: 'file' };
    if (st.isDirectory()) e.type = 'directory';
    else if (st.isSymbolicLink()) Object.assign(e, { type: 'symlink', linkname: await readlink(abs) });
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      Object.assign(e, { type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) e.type = 'fifo';
    else if (!st.isFile()) continue; // sockets have no tar form
    if (!st.isDirectory() && st.nlink > 1) {
      const inode = `${st.dev}:${st.ino}`;
      const first = firstName.get(inode);
      if (first !== undefined) {
        yield tarHeader({ ...e, type: 'link', linkname: first, size: 0 });
        continue;
      }
      firstName.set(inode, path);
    }
    if (e.type !== 'file') {
      yield tarHeader(e);
      continue;
    }
    e.size = st.size;
    yield tarHeader(e);
    let written = 0;
    if (st.size > 0) for await (const chunk of createReadStream(abs, { start: 0, end: st.size - 1 })) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== st.size) throw new BerthError('ERR_IO', `${path} changed while its layer was written (${st.size} bytes expected, ${written} read)`);
    yield tarPadding(st.size);
  }
  yield TAR_END;
}

// Linux's dev_t encoding (glibc gnu_dev_major/minor).
function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
}
