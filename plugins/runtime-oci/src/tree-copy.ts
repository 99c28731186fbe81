// Copies a directory tree onto another with everything a rootfs keeps: owners, modes, times,
// xattrs, symlinks and hard links. Applying an overlay-form layer directory (whiteout devices,
// opaque directories) onto a tree is the same walk: that is how the copy snapshotter stacks layers.
import { constants as fsc, type Stats } from 'node:fs';
import { chmod, copyFile, lchown, link, lstat, lutimes, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
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
  await applyDir(src, dst, options, links, dirTimes);
  for (const [path, st] of dirTimes.reverse()) await lutimes(path, st.atimeMs / 1000, st.mtimeMs / 1000);
}

async function applyDir(src: string, dst: string, o: ApplyOptions, links: Map<string, string>, dirTimes: Array<[string, Stats]>): Promise<void> {
  for (const name of (await readdir(src)).sort(byName)) {
    const from = join(src, name);
    const to = join(dst, name);
    const st = await lstat(from);
    const old = await lstat(to).catch(() => undefined);
    if (o.layer && isWhiteout(st)) {
      if (old) await rm(to, { recursive: true, force: true });
      continue;
    }
    if (st.isDirectory()) {
      const opaque = o.layer && getXattr(from, OPAQUE_XATTR)?.toString() === 'y';
      if (old && (!old.isDirectory() || opaque)) await rm(to, { recursive: true, force: true });
      if (!old || !old.isDirectory() || opaque) await mkdir(to, { mode: 0o700 });
      await applyDir(from, to, o, links, dirTimes);
      await copyMeta(from, to, st);
      dirTimes.push([to, st]);
      continue;
    }
    if (old) await rm(to, { recursive: true, force: true });
    // Two names of one inode in `src` stay two names of one inode in `dst`.
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(inode) : undefined;
    if (first !== undefined) {
      await link(first, to);
      continue;
    }
    if (st.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (st.isFile()) await copyFile(from, to, fsc.COPYFILE_EXCL | fsc.COPYFILE_FICLONE);
    else continue; // devices, fifos, sockets: a container's /dev comes from the runtime
    if (st.nlink > 1) links.set(inode, to);
    await copyMeta(from, to, st);
    await lutimes(to, st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}

async function copyMeta(from: string, to: string, st: Stats): Promise<void> {
  await lchown(to, st.uid, st.gid);
  if (!st.isSymbolicLink()) await chmod(to, st.mode & 0o7777);
  for (const [name, value] of layerXattrs(from)) setXattr(to, name, value);
}
