// Copies a directory tree onto another with everything a rootfs keeps: owners, modes, times,
// xattrs, symlinks and hard links. Applying an overlay-form layer directory (whiteout devices,
// opaque directories) onto a tree is the same walk: that is how the copy snapshotter stacks layers.
// Synchronous calls throughout: a rootfs is tens of thousands of small files, and a thread-pool
// round trip per syscall would cost more than the copying.
import {
  chmodSync, constants as fsc, copyFileSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, rmSync,
  symlinkSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { OPAQUE_XATTR, getXattr, layerXattrs, setXattr } from './xattr.js';

export interface ApplyOptions {
  /** `src` is a layer in overlay form: 0:0 devices delete, opaque directories replace. */
  layer: boolean;
}

export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Copies (or applies) `src` onto `dst`; `dst` must exist and be ours (no foreign symlinks inside). */
export async function applyTree(src: string, dst: string, options: ApplyOptions): Promise<void> {
  const links = new Map<string, string>();
  const dirTimes: Array<[string, Stats]> = [];
  applyDir(src, dst, options, links, dirTimes);
  for (const [path, st] of dirTimes.reverse()) lutimesSync(path, st.atimeMs / 1000, st.mtimeMs / 1000);
}

function applyDir(src: string, dst: string, o: ApplyOptions, links: Map<string, string>, dirTimes: Array<[string, Stats]>): void {
  for (const name of readdirSync(src).sort(byName)) {
    const from = join(src, name);
    const to = join(dst, name);
    const st = lstatSync(from);
    const old = lstatSync(to, { throwIfNoEntry: false });
    if (o.layer && isWhiteout(st)) {
      if (old) rmSync(to, { recursive: true, force: true });
      continue;
    }
    if (st.isDirectory()) {
      const opaque = o.layer && getXattr(from, OPAQUE_XATTR)?.toString() === 'y';
      // A directory replaces a symlink (never followed) or, when opaque, the lower directory.
      if (old && (!old.isDirectory() || opaque)) rmSync(to, { recursive: true, force: true });
      if (!old || !old.isDirectory() || opaque) mkdirSync(to, { mode: 0o700 });
      applyDir(from, to, o, links, dirTimes);
      copyMeta(from, to, st);
      dirTimes.push([to, st]);
      continue;
    }
    if (old) rmSync(to, { recursive: true, force: true });
    // Two names of one inode in `src` stay two names of one inode in `dst`.
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(inode) : undefined;
    if (first !== undefined) {
      linkSync(first, to);
      continue;
    }
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) copyFileSync(from, to, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
    else continue; // devices, fifos, sockets: a container's /dev comes from the runtime
    if (st.nlink > 1) links.set(inode, to);
    copyMeta(from, to, st);
    lutimesSync(to, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}

function copyMeta(from: string, to: string, st: Stats): void {
  lchownSync(to, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(to, st.mode & 0o7777);
  for (const [name, value] of layerXattrs(from)) setXattr(to, name, value);
}
