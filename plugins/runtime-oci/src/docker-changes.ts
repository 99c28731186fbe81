// `docker diff`: a container's changes as dockerd lists them on this kind of host (overlay2 with
// the naive diff, pkg/archive ChangesDirs): an entry the image lacks is added, a whiteout deleted,
// an entry the image has is changed when its type, mode, owner or device differ, or, for anything
// but a directory, its size or mtime; and every directory holding a change is changed itself.
// The image's entries are looked up in the layers below the container; a directory that became
// opaque is listed as it is, without the image's entries it hides.
import type { Stats } from 'node:fs';
import type { FileChange } from '@berth/core';
import type { Change } from './changes.js';

const OPAQUE = '.wh..wh..opq';
const WH = '.wh.';

interface Entry {
  path: string;
  st?: Stats;
}

/** Compares paths as a directory walk meets them: component by component, in byte order. */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** moby's sameFsTimeSpec: equal, or equal seconds when one side has no nanoseconds. */
function sameTime(a: Stats, b: Stats): boolean {
  const sa = Math.floor(a.mtimeMs / 1000);
  const sb = Math.floor(b.mtimeMs / 1000);
  const na = Math.round((a.mtimeMs - sa * 1000) * 1e6);
  const nb = Math.round((b.mtimeMs - sb * 1000) * 1e6);
  return sa === sb && (na === nb || na === 0 || nb === 0);
}

/** moby's statDifferent. */
function statDifferent(old: Stats, now: Stats): boolean {
  if (old.mode !== now.mode || old.uid !== now.uid || old.gid !== now.gid || old.rdev !== now.rdev) return true;
  return !now.isDirectory() && (!sameTime(old, now) || old.size !== now.size);
}

const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** `lower(rel)`: the image's entry at `rel` (the layers below the container), if any. */
export function dockerChanges(changes: readonly Change[], lower: (rel: string) => Stats | undefined): FileChange[] {
  const entries: Entry[] = [];
  for (const c of changes) {
    if (c.kind === 'entry') {
      entries.push({ path: c.path, st: c.st });
      continue;
    }
    const name = c.path.slice(c.path.lastIndexOf('/') + 1);
    if (name === OPAQUE) continue;
    const dir = parentOf(c.path);
    entries.push({ path: dir === '' ? name.slice(WH.length) : `${dir}/${name.slice(WH.length)}` });
  }
  entries.sort((a, b) => walkOrder(a.path, b.path));
  const out: FileChange[] = [];
  const listed = new Set<string>();
  const list = (path: string, kind: FileChange['kind']): void => {
    // The directories above a change are changes too, listed before it (the root excepted).
    const missing: string[] = [];
    for (let p = parentOf(path); p !== '' && !listed.has(p); p = parentOf(p)) missing.unshift(p);
    for (const p of missing) {
      out.push({ path: `/${p}`, kind: 'modified' });
      listed.add(p);
    }
    out.push({ path: `/${path}`, kind });
    listed.add(path);
  };
  for (const e of entries) {
    if (listed.has(e.path)) continue;
    const before = lower(e.path);
    if (!e.st) {
      if (before) list(e.path, 'deleted');
    } else if (!before) list(e.path, 'added');
    else if (statDifferent(before, e.st)) list(e.path, 'modified');
  }
  return out;
}
