// Unpacks one layer tar into an empty directory in overlayfs's form: `.wh.x` becomes a 0:0
// character device at `x`, `.wh..wh..opq` the opaque xattr on its directory. Every entry is
// checked by core's LayerEntryChecker first, and files are created without following symlinks.
import { spawn } from 'node:child_process';
import {
  chmodSync, closeSync, constants as fsc, copyFileSync, createWriteStream, type Stats, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync,
  lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync,
} from 'node:fs';
import { lstat, lutimes, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { BerthError, DigestingStream, LayerEntryChecker, entryPath, fromSystemError, parentOf, tarFormatError, type Digest } from '@berth/core';
import { OVERLAY_PREFIX, OPAQUE_XATTR, layerXattrs, setXattr } from './xattr.js';
import { presentInLayers } from './init-layer.js';
import { PaxXattrScanner } from './pax-xattrs.js';

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
const CREATE_FILE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

export interface UnpackResult {
  diffID: Digest;
  /** Device nodes and fifos the layer had: a container gets its /dev from the runtime instead. */
  skipped: string[];
}

/** Unpacks `tar` (uncompressed) into `dir` (empty, private to the caller). */
export async function unpackLayer(tar: Readable, dir: string, what: string, options: { signal?: AbortSignal; lowers?: readonly string[] } = {}): Promise<UnpackResult> {
  const { signal } = options;
  const hash = new DigestingStream();
  const checker = new LayerEntryChecker({ allowDevices: true, what });
  const state: UnpackState = { dir, dirs: new Map(), whiteouts: new Set(), opaque: new Set(), skipped: [], made: new Set(['']), written: new Set(), lowers: options.lowers ?? [] };
  const scanner = new PaxXattrScanner();
  let index = 0;
  const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
  extract.on('error', () => {});
  extract.on('entry', (tarHeader, stream, next) => {
    const body = stream as unknown as Readable;
    const raw = scanner.xattrsOf(index++);
    const header: EntryHeader = raw ? { ...tarHeader, rawXattrs: raw } : tarHeader;
    body.on('error', () => {});
    const fail = (err: unknown): void => {
      body.resume();
      next(err as Error);
    };
    try {
      const file = writeEntry(state, checker, header, what);
      if (!file) {
        body.resume();
        next();
      } else if ((header.size ?? 0) <= SMALL_FILE) {
        // Small files (most of a rootfs) are gathered and written with synchronous calls: one
        // thread-pool round trip per syscall would cost more than the writes themselves.
        const chunks: Buffer[] = [];
        body.on('data', (c: Buffer) => chunks.push(c));
        body.on('end', () => {
          try {
            writeSmallFile(file, Buffer.concat(chunks));
            next();
          } catch (err) {
            fail(err);
          }
        });
      } else {
        const fd = openSync(file.abs, CREATE_FILE, 0o600);
        pipeline(body, createWriteStream('', { fd, autoClose: false })).then(
          () => {
            try {
              finishFile(file, fd);
              next();
            } catch (err) {
              fail(err);
            }
          },
          (err: unknown) => {
            closeSync(fd);
            fail(err);
          },
        );
      }
    } catch (err) {
      fail(err);
    }
  });
  try {
    await pipeline(tar, hash, scanner, extract, { signal });
  } catch (err) {
    throw fromSystemError(tarFormatError(err, 'ERR_LAYER_INVALID', what), `unpacking ${what}`);
  }
  await finish(state, what);
  return { diffID: hash.digest(), skipped: state.skipped };
}

const SMALL_FILE = 256 * 1024;

interface UnpackState {
  dir: string;
  /** Directories with the times to set once their children are written. */
  dirs: Map<string, Date>;
  whiteouts: Set<string>;
  opaque: Set<string>;
  skipped: string[];
  /** Directories known to exist (created by us: no symlink can sit there). */
  made: Set<string>;
  /** Every other path written so far: only these can already exist in the fresh directory. */
  written: Set<string>;
  /** The unpacked layers below, top first, where a hard link's target may live. */
  lowers: readonly string[];
}

/** A tar header with its xattrs as raw bytes (see PaxXattrScanner). */
type EntryHeader = Header & { rawXattrs?: Map<string, Buffer> };

interface PendingFile {
  abs: string;
  h: EntryHeader;
}

/** Writes everything but a regular file's body, synchronously; returns the file still to write. */
function writeEntry(s: UnpackState, checker: LayerEntryChecker, h: EntryHeader, what: string): PendingFile | undefined {
  const path = entryPath(h.name, what);
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base.startsWith(WH)) {
    // Checked like any entry, so `link/.wh.x` through an earlier symlink is refused too.
    checker.check({ ...h, type: 'file', size: 0 });
    const parent = parentOf(path);
    if (base === OPAQUE) s.opaque.add(parent);
    else if (!base.startsWith('.wh..wh.')) s.whiteouts.add(parent === '' ? base.slice(WH.length) : `${parent}/${base.slice(WH.length)}`);
    ensureDir(s, parent);
    return undefined;
  }
  checker.check(h);
  if (path === '') return undefined;
  ensureDir(s, parentOf(path));
  const abs = join(s.dir, path);
  const type = h.type ?? 'file';
  if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
    s.skipped.push(path);
    return undefined;
  }
  // A later entry for the same path replaces the earlier one (a directory stays, merged).
  const existing = s.made.has(path) || s.written.has(path) ? lstatSync(abs, { throwIfNoEntry: false }) : undefined;
  if (existing && !(existing.isDirectory() && type === 'directory')) {
    rmSync(abs, { recursive: true, force: true });
    for (const set of [s.made, s.written]) for (const p of set) if (p === path || p.startsWith(`${path}/`)) set.delete(p);
  }
  const mtime = h.mtime ?? new Date(0);
  switch (type) {
    case 'directory':
      if (!existing?.isDirectory()) mkdirSync(abs, { mode: 0o700 });
      s.made.add(path);
      s.dirs.set(path, mtime);
      break;
    case 'file':
    case 'contiguous-file':
      s.written.add(path);
      return { abs, h };
    case 'symlink':
      symlinkSync(h.linkname ?? '', abs);
      s.written.add(path);
      break;
    case 'link': {
      const target = join(s.dir, entryPath(h.linkname ?? '', what));
      try {
        linkSync(target, abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        copyUp(s, entryPath(h.linkname ?? '', what), what, path);
        linkSync(target, abs);
      }
      s.written.add(path);
      // A hard link shares its target's inode: its metadata is the target's.
      return undefined;
    }
    default:
      throw new BerthError('ERR_LAYER_INVALID', `${what}: entry "${path}" has an unsupported tar type (${type})`);
  }
  lchownSync(abs, h.uid ?? 0, h.gid ?? 0);
  // chmod after chown: chown clears setuid/setgid bits.
  if (type !== 'symlink') chmodSync(abs, (h.mode ?? 0o644) & 0o7777);
  setXattrs(abs, h);
  if (type === 'symlink') lutimesSync(abs, mtime, mtime);
  return undefined;
}

function writeSmallFile(file: PendingFile, data: Buffer): void {
  const fd = openSync(file.abs, CREATE_FILE, 0o600);
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  finishFile(file, fd);
}

/** Owner, mode (after chown, which clears setuid), xattrs and times of a written file; closes `fd`. */
function finishFile(file: PendingFile, fd: number): void {
  try {
    fchownSync(fd, file.h.uid ?? 0, file.h.gid ?? 0);
    fchmodSync(fd, (file.h.mode ?? 0o644) & 0o7777);
    setXattrs(file.abs, file.h);
    const mtime = file.h.mtime ?? new Date(0);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

function setXattrs(abs: string, h: EntryHeader): void {
  for (const [name, value] of h.rawXattrs ?? []) {
    if (name.startsWith(OVERLAY_PREFIX)) continue; // a layer must not steer overlayfs
    setXattr(abs, name, value);
  }
}

/**
 * A hard link to a file of a lower layer: the file is copied into this layer first, with its
 * directories' metadata, as overlayfs copies up a lower file that gets a new link.
 */
function copyUp(s: UnpackState, rel: string, what: string, linkPath: string): void {
  const found = presentInLayers(s.lowers, rel);
  if (found?.kind !== 'file') throw new BerthError('ERR_LAYER_INVALID', `${what}: hard link "${linkPath}" points to "${rel}", which is not a file of this layer or the ones below`);
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (s.made.has(dir)) continue;
    const lower = presentInLayers(s.lowers, dir)!;
    mkdirSync(join(s.dir, dir), { mode: 0o700 });
    const st = copyMeta(lower.abs, join(s.dir, dir));
    s.made.add(dir);
    s.dirs.set(dir, st.mtime);
  }
  copyFileSync(found.abs, join(s.dir, rel), fsc.COPYFILE_EXCL);
  const st = copyMeta(found.abs, join(s.dir, rel));
  lutimesSync(join(s.dir, rel), st.atime, st.mtime);
  s.written.add(rel);
}

function copyMeta(from: string, to: string): Stats {
  const st = lstatSync(from);
  lchownSync(to, st.uid, st.gid);
  chmodSync(to, st.mode & 0o7777);
  for (const [name, value] of layerXattrs(from)) setXattr(to, name, value);
  return st;
}

/** Creates missing parents (0755, root) as tar implementations do for entries without their directory. */
function ensureDir(s: UnpackState, path: string): void {
  if (s.made.has(path)) return;
  ensureDir(s, parentOf(path));
  const abs = join(s.dir, path);
  if (s.written.has(path)) {
    rmSync(abs, { recursive: true, force: true });
    s.written.delete(path);
  }
  mkdirSync(abs, { mode: 0o755 });
  s.made.add(path);
}

async function finish(s: UnpackState, what: string): Promise<void> {
  const marks = [...s.whiteouts].filter((p) => !s.made.has(p));
  const pending: string[] = [];
  for (const p of marks) {
    if (await lstat(join(s.dir, p)).catch(() => undefined)) continue; // re-created later in the same layer
    // A whiteout is made after the whole tar: its directory must still be a real one of ours.
    const parent = join(s.dir, parentOf(p));
    if ((await realpath(parent)) !== parent) throw new BerthError('ERR_UNSAFE_PATH', `${what}: whiteout "${p}" sits below a symlink`);
    pending.push(p);
  }
  await mknodWhiteouts(s.dir, pending);
  for (const p of s.opaque) {
    const abs = join(s.dir, p);
    if ((await realpath(abs)) !== abs) throw new BerthError('ERR_UNSAFE_PATH', `${what}: opaque marker in "${p}" sits below a symlink`);
    if (!setXattr(abs, OPAQUE_XATTR, 'y')) throw new BerthError('ERR_UNSUPPORTED', `${what}: this filesystem refuses trusted.* xattrs, which overlay opaque directories need`);
  }
  // Deepest first, so setting a child's time does not disturb its parent's afterwards.
  for (const [p, mtime] of [...s.dirs].sort((a, b) => b[0].length - a[0].length)) await lutimes(join(s.dir, p), mtime, mtime);
}

/** Node cannot mknod; overlay whiteouts are 0:0 character devices, made in batches by mknod(1). */
async function mknodWhiteouts(dir: string, paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 500) {
    const batch = paths.slice(i, i + 500);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', 'for p do mknod -- "$p" c 0 0 || exit 1; done', 'sh', ...batch], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('ERR_IO', `cannot make overlay whiteouts: ${err.trim()}`))));
    });
  }
}

