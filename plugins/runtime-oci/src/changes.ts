// A container's changes as the entries of a layer, sorted by path: from an overlay upper
// directory (0:0 devices are deletions, the opaque xattr a replaced directory), or by comparing
// a copied rootfs against the tree it was copied from (deletions only; no opaque markers).
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OPAQUE_XATTR, getXattr, layerXattrs } from './xattr.js';
import { isWhiteout } from './tree-copy.js';

export type Change =
  | { kind: 'entry'; path: string; abs: string; st: Stats }
  /** `.wh.x`, or `.wh..wh..opq` carrying its directory's owner and permissions (`dir`), as moby writes them. */
  | { kind: 'whiteout'; path: string; dir?: Stats };

const child = (rel: string, name: string): string => (rel === '' ? name : `${rel}/${name}`);

export async function upperChanges(upper: string): Promise<Change[]> {
  const out: Change[] = [];
  // Synchronous: tens of thousands of lstats through the thread pool would cost seconds.
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(upper, rel))) {
      const path = child(rel, name);
      const abs = join(upper, path);
      const st = lstatSync(abs);
      if (isWhiteout(st)) {
        out.push({ kind: 'whiteout', path: child(rel, `.wh.${name}`) });
        continue;
      }
      out.push({ kind: 'entry', path, abs, st });
      if (!st.isDirectory()) continue;
      if (getXattr(abs, OPAQUE_XATTR)?.toString() === 'y') out.push({ kind: 'whiteout', path: `${path}/.wh..wh..opq`, dir: st });
      walk(path);
    }
  };
  walk('');
  return out;
}

/** moby's ChangesDirs in spirit: what differs between `lower` and `rootfs`, plus each change's parent directories. */
export async function treeChanges(rootfs: string, lower: string): Promise<Change[]> {
  const out = new Map<string, Change>();
  const addWithParents = async (c: Change): Promise<void> => {
    out.set(c.path, c);
    for (let p = parentOf(c.path); p !== '' && !out.has(p); p = parentOf(p)) {
      const abs = join(rootfs, p);
      out.set(p, { kind: 'entry', path: p, abs, st: await lstat(abs) });
    }
  };
  const addAll = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(rootfs, rel))) {
      const path = child(rel, name);
      const abs = join(rootfs, path);
      const st = await lstat(abs);
      await addWithParents({ kind: 'entry', path, abs, st });
      if (st.isDirectory()) await addAll(path);
    }
  };
  const walk = async (rel: string): Promise<void> => {
    const now = new Set(await readdir(join(rootfs, rel)));
    for (const name of await readdir(join(lower, rel))) {
      if (!now.has(name)) await addWithParents({ kind: 'whiteout', path: child(rel, `.wh.${name}`) });
    }
    for (const name of now) {
      const path = child(rel, name);
      const abs = join(rootfs, path);
      const st = await lstat(abs);
      const old = await lstat(join(lower, path)).catch(() => undefined);
      if (!old || kindOf(old) !== kindOf(st)) {
        await addWithParents({ kind: 'entry', path, abs, st });
        if (st.isDirectory()) await addAll(path);
        continue;
      }
      if (await differs(abs, st, join(lower, path), old)) await addWithParents({ kind: 'entry', path, abs, st });
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  return [...out.values()];
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function kindOf(st: Stats): string {
  return st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : st.isFile() ? 'f' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : 's';
}

/** Directories by owner, mode and xattrs (their times change with every child); others by everything. */
async function differs(abs: string, st: Stats, oldAbs: string, old: Stats): Promise<boolean> {
  if (st.mode !== old.mode || st.uid !== old.uid || st.gid !== old.gid) return true;
  if (!sameXattrs(layerXattrs(abs), layerXattrs(oldAbs))) return true;
  if (st.isDirectory()) return false;
  // Milliseconds: the copy's times went through a double, so its nanoseconds may differ.
  if (st.size !== old.size || Math.floor(st.mtimeMs) !== Math.floor(old.mtimeMs) || st.rdev !== old.rdev) return true;
  return st.isSymbolicLink() && (await readlink(abs)) !== (await readlink(oldAbs));
}

function sameXattrs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.get(k)?.equals(v)) return false;
  return true;
}
