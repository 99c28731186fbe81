// The mount points every container needs (/proc, /sys, /dev, /etc/hosts, /etc/hostname,
// /etc/resolv.conf), made where the image lacks them in a layer of their own below the
// container's (Docker's "-init" layer), so they never show up in the container's diff.
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPAQUE_XATTR, getXattr } from './xattr.js';
import { isWhiteout } from './tree-copy.js';

const INIT: ReadonlyArray<[string, 'dir' | 'file']> = [
  ['proc', 'dir'], ['sys', 'dir'], ['dev', 'dir'], ['etc', 'dir'],
  ['etc/hosts', 'file'], ['etc/hostname', 'file'], ['etc/resolv.conf', 'file'],
];

export type Presence = 'dir' | 'file' | 'other' | undefined;

/** Writes into `dst` the mount points `present` says are missing (parents included). */
export async function writeInitEntries(dst: string, present: (rel: string) => Promise<Presence>): Promise<void> {
  const made = new Set<string>();
  for (const [rel, kind] of INIT) {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (parent !== '' && !made.has(parent) && (await present(parent)) !== 'dir') continue;
    if ((await present(rel)) !== undefined) continue;
    if (kind === 'dir') {
      await mkdir(join(dst, rel), { mode: 0o755 });
      made.add(rel);
    } else await writeFile(join(dst, rel), '', { mode: 0o644, flag: 'wx' });
  }
}

/** What a plain tree has at `rel`. */
export async function presentInTree(root: string, rel: string): Promise<Presence> {
  const st = await lstat(join(root, rel)).catch(() => undefined);
  if (!st) return undefined;
  return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
}

/** What the merged view of overlay-form layer directories (top first) has at `rel`. */
export async function presentInLayers(dirsTopFirst: readonly string[], rel: string): Promise<Presence> {
  const parts = rel.split('/');
  for (const dir of dirsTopFirst) {
    let opaque = false;
    let below = true;
    for (let i = 1; i < parts.length && below; i++) {
      const st = await lstat(join(dir, ...parts.slice(0, i))).catch(() => undefined);
      if (!st) {
        below = false;
        continue;
      }
      if (isWhiteout(st)) return undefined;
      if (!st.isDirectory()) return 'other';
      if (getXattr(join(dir, ...parts.slice(0, i)), OPAQUE_XATTR)?.toString() === 'y') opaque = true;
    }
    if (below) {
      const st = await lstat(join(dir, rel)).catch(() => undefined);
      if (st) return isWhiteout(st) ? undefined : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    }
    if (opaque) return undefined;
  }
  return undefined;
}
