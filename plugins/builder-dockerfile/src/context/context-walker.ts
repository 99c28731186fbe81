// The files a build sends from a context directory: a depth-first walk in Go's lexical order
// (filepath.Walk), .dockerignore applied, symlinks reported and never followed.
import { lstat, readdir, realpath } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '@berth/core';
import type { IgnoreMatcher } from './dockerignore.js';
import { byteOrder } from '../build/image-fs.js';

export interface ContextEntry {
  /** Relative to the context root, slash-separated, no leading `./`. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Absolute path on disk (inside the real context root). */
  absolute: string;
  stat: Stats;
}

export interface WalkOptions {
  ignore?: IgnoreMatcher;
  signal?: AbortSignal;
}

function typeOf(st: Stats): ContextEntry['type'] {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/**
 * Yields every entry of the context that is not ignored. An ignored directory is skipped
 * whole unless an exception pattern exists, in which case its included descendants are
 * yielded (without the directory itself), as Docker does.
 */
export async function* walkContext(root: string, opts: WalkOptions = {}): AsyncGenerator<ContextEntry> {
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `unable to prepare context: path "${root}" not found`, { cause: err });
  }
  const rootStat = await lstat(realRoot);
  if (!rootStat.isDirectory()) throw new BerthError('ERR_INVALID_ARGUMENT', `unable to prepare context: context must be a directory: ${root}`);
  yield* walkDir(realRoot, '', opts);
}

async function* walkDir(absDir: string, relDir: string, opts: WalkOptions): AsyncGenerator<ContextEntry> {
  opts.signal?.throwIfAborted();
  const names = (await readdir(absDir)).sort(byteOrder);
  for (const name of names) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const absolute = join(absDir, name);
    const stat = await lstat(absolute);
    const type = typeOf(stat);
    const ignored = opts.ignore?.ignores(rel) ?? false;
    if (!ignored) yield { path: rel, type, absolute, stat };
    // lstat: a symlink to a directory is an entry, never a directory to descend into.
    if (type === 'dir' && (!ignored || opts.ignore?.hasExceptions)) yield* walkDir(absolute, rel, opts);
  }
}
