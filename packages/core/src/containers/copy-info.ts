// `docker cp`'s path rules (moby's archive.CopyInfo and PrepareArchiveCopy), shared by both ends
// of a copy: what a source and a destination are, and where a source's tar goes with which
// renaming so that it lands as `cp -a` would put it. Pure: the callers stat their own side.
import { posix } from 'node:path';
import { BerthError } from '../errors.js';

/** A source or destination of a copy, as moby's archive.CopyInfo. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the source's entries take instead of its own last component (a followed link). */
  rebaseName?: string;
}

/** Where a prepared copy extracts, and the first entry name to replace on the way. */
export interface PreparedCopy {
  dir: string;
  rebase?: { from: string; to: string };
}

const specifiesCurrentDir = (path: string): boolean => posix.basename(path) === '.';
const hasTrailingSeparator = (path: string): boolean => path.endsWith('/');

/** A path that says it is a directory: it ends in `/` or `/.`. */
export function assertsDirectory(path: string): boolean {
  return hasTrailingSeparator(path) || specifiesCurrentDir(path);
}

/** The cleaned `path` with the `/` or `/.` its `original` ended in put back (they carry meaning here). */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) out = `${hasTrailingSeparator(out) ? out : `${out}/`}.`;
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** Go's filepath.Clean (`posix.normalize` keeps a trailing `/` and turns '' into '.'). */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** The directory and the last component, a trailing `.` kept as the component (`/a/.` → `/a`, `.`). */
export function splitPathDirEntry(path: string): { dir: string; base: string } {
  let cleaned = cleanPath(path);
  if (specifiesCurrentDir(path)) cleaned = `${cleaned === '/' ? '' : cleaned}/.`;
  return { dir: posix.dirname(cleaned), base: posix.basename(cleaned) || '/' };
}

/**
 * The resolved path of a followed link, with the `/` or `/.` the asked-for path ended in, and the
 * name the copy must keep when following changed the last component.
 */
export function getRebaseName(path: string, resolved: string): { path: string; rebaseName?: string } {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(out)) out += '/';
  const base = posix.basename(path);
  return posix.basename(out) !== base ? { path: out, rebaseName: base } : { path: out };
}

/**
 * moby's PrepareArchiveCopy: an existing directory takes the source inside it; otherwise the
 * source's tar goes to the destination's parent, its top entry renamed to the destination's name.
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): PreparedCopy {
  const { dir: dstDir, base: dstBase } = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path).base;
  if (dst.exists && dst.isDir) return { dir: dst.path };
  if (dst.exists && src.isDir) throw new BerthError('ERR_INVALID_ARGUMENT', 'cannot copy directory');
  // A file to a path that says it is a directory, which does not exist: moby's ErrDirNotExists.
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new BerthError('ERR_INVALID_ARGUMENT', 'no such directory');
  return { dir: dstDir, rebase: { from: srcBase, to: dstBase } };
}
