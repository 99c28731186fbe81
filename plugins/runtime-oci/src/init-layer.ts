// The mount points every container needs (/proc, /sys, /dev, /etc/hosts, /etc/hostname,
// /etc/resolv.conf), made where the image lacks them in a layer of their own below the
// container's (Docker's "-init" layer), so they never show up in the container's diff.
import { lstatSync, type Stats } from 'node:fs';
import { chmod, chown, lstat, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPAQUE_XATTR, getXattr } from './xattr.js';
import { isWhiteout } from './tree-copy.js';

const INIT: ReadonlyArray<[string, 'dir' | 'file']> = [
  ['proc', 'dir'], ['sys', 'dir'], ['dev', 'dir'], ['etc', 'dir'],
  ['etc/hosts', 'file'], ['etc/hostname', 'file'], ['etc/resolv.conf', 'file'],
];

export type Presence = { kind: 'dir' | 'file' | 'other'; abs: string } | undefined;

/** Writes into `dst` the mount points `present` says are missing (parents included). */
export async function writeInitEntries(dst: string, present: (rel: string) => Presence | Promise<Presence>): Promise<void> {
  const made = new Set<string>();
  for (const [rel, kind] of INIT) {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (parent !== '' && !made.has(parent)) {
      const p = await present(parent);
      if (p?.kind !== 'dir') continue;
      // In an overlay the topmost copy of a directory gives its owner, mode and times: keep the image's.
      if (!(await lstat(join(dst, parent)).catch(() => undefined))) {
        const st = await lstat(p.abs);
        await mkdir(join(dst, parent));
        await chown(join(dst, parent), st.uid, st.gid);
        await chmod(join(dst, parent), st.mode & 0o7777);
        await utimes(join(dst, parent), st.atimeMs / 1000, st.mtimeMs / 1000);
      }
    }
    if ((await present(rel)) !== undefined) continue;
    if (kind === 'dir') {
      await mkdir(join(dst, rel), { mode: 0o755 });
      made.add(rel);
    } else await writeFile(join(dst, rel), '', { mode: 0o644, flag: 'wx' });
    if (parent !== '' && !made.has(parent)) {
      const st = await lstat((await present(parent))!.abs);
      await utimes(join(dst, parent), st.atimeMs / 1000, st.mtimeMs / 1000);
    }
  }
}

function presence(abs: string, st: Stats): Presence {
  return { kind: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other', abs };
}

/** What a plain tree has at `rel`. */
export async function presentInTree(root: string, rel: string): Promise<Presence> {
  const st = await lstat(join(root, rel)).catch(() => undefined);
  return st ? presence(join(root, rel), st) : undefined;
}

/** What the merged view of overlay-form layer directories (top first) has at `rel`. */
export function presentInLayers(dirsTopFirst: readonly string[], rel: string): Presence {
  const parts = rel.split('/');
  for (const dir of dirsTopFirst) {
    let opaque = false;
    let below = true;
    for (let i = 1; i < parts.length && below; i++) {
      const st = lstatSync(join(dir, ...parts.slice(0, i)), { throwIfNoEntry: false });
      if (!st) {
        below = false;
        continue;
      }
      if (isWhiteout(st)) return undefined;
      if (!st.isDirectory()) return { kind: 'other', abs: join(dir, ...parts.slice(0, i)) };
      if (getXattr(join(dir, ...parts.slice(0, i)), OPAQUE_XATTR)?.toString() === 'y') opaque = true;
    }
    if (below) {
      const st = lstatSync(join(dir, rel), { throwIfNoEntry: false });
      if (st) return isWhiteout(st) ? undefined : presence(join(dir, rel), st);
    }
    if (opaque) return undefined;
  }
  return undefined;
}
