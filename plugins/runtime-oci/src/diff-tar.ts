// Writes changes as an uncompressed OCI layer tar: entries in byte order of their paths, mtimes
// clamped to SOURCE_DATE_EPOCH, whiteouts as empty files as moby writes them, hard
// links among the written entries kept as links. Streams file bodies; never holds a file.
import { createReadStream, readFileSync, readlinkSync } from 'node:fs';
import { Readable } from 'node:stream';
import { BerthError, type DiffOptions } from '@berth/core';
import type { Change } from './changes.js';
import { TAR_END, tarHeader, tarPadding, type TarEntry } from './tar-writer.js';
import { layerXattrs } from './xattr.js';

const byPath = (a: Change, b: Change): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

export function diffTar(changes: () => Promise<Change[]>, options: DiffOptions = {}): Readable {
  return Readable.from(entries(changes, options), { objectMode: false });
}

const SMALL_FILE = 256 * 1024;
const BATCH = 1024 * 1024;

async function* entries(changes: () => Promise<Change[]>, options: DiffOptions): AsyncGenerator<Buffer> {
  const clamp = options.sourceDateEpoch;
  const firstName = new Map<string, string>();
  // Headers and small files are batched into ~1 MiB chunks: a stream chunk per 512-byte header
  // would cost more than the bytes. Files are read synchronously below 256 KiB, streamed above.
  let batch: Buffer[] = [];
  let batched = 0;
  const add = (b: Buffer): void => {
    batch.push(b);
    batched += b.length;
  };
  const take = (): Buffer => {
    const out = Buffer.concat(batch);
    batch = [];
    batched = 0;
    return out;
  };
  for (const c of (await changes()).sort(byPath)) {
    if (batched >= BATCH) yield take();
    if (c.kind === 'whiteout') {
      // moby's overlay diff: `.wh.x` 0600 root, the opaque marker with its directory's owner and
      // permissions; the time is fixed (the epoch), not the moment of deletion, so layers repeat.
      const d = c.dir;
      add(tarHeader({ name: c.path, type: 'file', mode: d ? d.mode & 0o777 : 0o600, uid: d?.uid ?? 0, gid: d?.gid ?? 0, size: 0, mtime: 0 }));
      continue;
    }
    const { st, abs, path } = c;
    const mtime = Math.floor(st.mtimeMs / 1000);
    const base = { name: path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: clamp !== undefined ? Math.min(mtime, clamp) : mtime };
    const xattrs = layerXattrs(abs);
    const e: TarEntry = xattrs.size > 0 ? { ...base, type: 'file', xattrs } : { ...base, type: 'file' };
    if (st.isDirectory()) e.type = 'directory';
    else if (st.isSymbolicLink()) Object.assign(e, { type: 'symlink', linkname: readlinkSync(abs) });
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      Object.assign(e, { type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) });
    } else if (st.isFIFO()) e.type = 'fifo';
    else if (!st.isFile()) continue; // sockets have no tar form
    if (!st.isDirectory() && st.nlink > 1) {
      const inode = `${st.dev}:${st.ino}`;
      const first = firstName.get(inode);
      if (first !== undefined) {
        add(tarHeader({ ...e, type: 'link', linkname: first, size: 0 }));
        continue;
      }
      firstName.set(inode, path);
    }
    if (e.type !== 'file') {
      add(tarHeader(e));
      continue;
    }
    e.size = st.size;
    const changed = (n: number): BerthError => new BerthError('ERR_IO', `${path} changed while its layer was written (${st.size} bytes expected, ${n} read)`);
    if (st.size <= SMALL_FILE) {
      const data = st.size === 0 ? Buffer.alloc(0) : readFileSync(abs);
      if (data.length !== st.size) throw changed(data.length);
      add(tarHeader(e));
      add(data);
      add(tarPadding(st.size));
      continue;
    }
    add(tarHeader(e));
    yield take();
    let written = 0;
    for await (const chunk of createReadStream(abs, { start: 0, end: st.size - 1, highWaterMark: BATCH })) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== st.size) throw changed(written);
    add(tarPadding(st.size));
  }
  add(TAR_END);
  yield take();
}

// Linux's dev_t encoding (glibc gnu_dev_major/minor).
function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
}
function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
}
