// Tar entry names and link targets, checked the way an unpacker must before trusting them:
// no absolute names, no `..` out of the root, nothing written or linked through an earlier symlink.
import { BerthError } from '../errors.js';

function unsafe(what: string, why: string): never {
  throw new BerthError('ERR_UNSAFE_PATH', `${what}: ${why}`);
}

/** A leading or trailing `/`, `//`, or a `.` or `..` part. */
const NEEDS_CLEANING = /^\/|\/$|\/\/|(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Cleans a relative path into `a/b/c` ('' for the root). Returns undefined when a `..` climbs
 * above the start; `base` is where a relative link target starts from.
 */
export function cleanRelative(path: string, base = ''): string | undefined {
  // Most names are clean already (`usr/bin/env`): no empty, `.` or `..` part to remove.
  if (base === '' && path !== '' && !NEEDS_CLEANING.test(path)) return path;
  const out = base === '' ? [] : base.split('/');
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** Cleans an absolute target inside a root, as the kernel does in a chroot (`/..` is `/`). */
export function cleanInRoot(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The entry's name as a clean relative path; refuses absolute names and `..` escapes. */
export function entryPath(name: string, what: string): string {
  if (name.startsWith('/')) unsafe(what, `entry "${name}" has an absolute path`);
  const clean = cleanRelative(name);
  if (clean === undefined) unsafe(what, `entry "${name}" climbs out of the root with ".."`);
  return clean;
}

/** A hard link's target as a clean path; it must name an entry inside the tar. */
export function hardlinkTarget(name: string, target: string, what: string): string {
  if (target.startsWith('/')) unsafe(what, `hard link "${name}" points to the absolute path "${target}"`);
  const clean = cleanRelative(target);
  if (clean === undefined || clean === '') unsafe(what, `hard link "${name}" points outside the root ("${target}")`);
  return clean;
}

/**
 * Where a symlink at `path` points, as a clean path from the root. Absolute targets resolve inside
 * the root; a relative one must not climb above it when resolved from the link's own directory.
 */
export function symlinkTarget(path: string, target: string, what: string): string {
  if (target === '') unsafe(what, `symlink "${path}" has an empty target`);
  if (target.startsWith('/')) return cleanInRoot(target);
  const clean = cleanRelative(target, parentOf(path));
  if (clean === undefined) unsafe(what, `symlink "${path}" points outside the root ("${target}")`);
  return clean;
}

/**
 * Remembers the symlinks a tar defines, to refuse a later entry written through one of them
 * (`link -> /etc`, then `link/passwd`): the classic write-through-symlink attack.
 */
export class SymlinkGuard {
  private readonly links = new Set<string>();

  /** Throws when a proper prefix of `path` is a symlink defined earlier. */
  check(path: string, what: string, label = 'entry'): void {
    if (this.links.size === 0) return;
    let i = path.indexOf('/');
    while (i >= 0) {
      const prefix = path.slice(0, i);
      if (this.links.has(prefix)) unsafe(what, `${label} "${path}" goes through the symlink "${prefix}" defined earlier in the tar`);
      i = path.indexOf('/', i + 1);
    }
  }

  /** Records what now sits at `path` (a later entry replaces an earlier one). */
  record(path: string, isSymlink: boolean): void {
    if (isSymlink) this.links.add(path);
    else this.links.delete(path);
  }

  isSymlink(path: string): boolean {
    return this.links.has(path);
  }
}
