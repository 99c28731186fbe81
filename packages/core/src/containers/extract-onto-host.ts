// `docker cp CONTAINER:SRC DEST`: the container's tar extracted into a directory of the host, as
// the docker CLI's archive.Untar does it (owners left to the user running the copy, modes and times
// from the tar), but refusing every entry that would land outside that directory: `..` and absolute
// names, relative symlinks that point above it (docker's "invalid symlink"), and entries written
// through a symlink, from the tar or already there, that leads out of it.
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError, fromSystemError } from '../errors.js';
import { extractTar } from './extract-tar.js';

export interface ExtractOntoHostOptions {
  /** Names the archive in messages (`the archive from web:/etc`). */
  what: string;
  noOverwriteDirNonDir?: boolean;
}

const inside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);

/** Extracts `tar` (plain or gzip) into the existing host directory `dest`. */
export async function extractOntoHost(destination: string, tar: Readable, options: ExtractOntoHostOptions): Promise<void> {
  const dest = posix.normalize(destination).replace(/(.)\/+$/, '$1');
  const real = await realpath(dest);
  if (!(await lstat(real)).isDirectory()) throw new BerthError('ERR_INVALID_ARGUMENT', `${dest}: not a directory`);
  const escape = (what: string): never => {
    throw new BerthError('ERR_UNSAFE_PATH', `${options.what}: "${what}" leads outside of "${dest}" through a symbolic link`);
  };
  // Component by component, so nothing is ever made outside `dest`.
  const hostDir = async (dir: string, create: boolean): Promise<string> => {
    let at = real;
    const parts = dir === '' ? [] : dir.split('/');
    for (const [i, part] of parts.entries()) {
      const next = join(at, part);
      const st = await lstat(next).catch(() => undefined);
      if (!st) {
        if (!create) return join(next, ...parts.slice(i + 1));
        await mkdir(next, { mode: 0o755 });
        at = next;
      } else if (st.isSymbolicLink()) {
        const resolved = await realpath(next).catch(() => escape(dir));
        if (!inside(resolved, real)) escape(dir);
        at = resolved;
      } else at = next;
    }
    return at;
  };
  try {
    await extractTar(tar, {
      hostDir,
      checkSymlink: (name, target) => {
        // docker's check, lexical: the link's own directory joined with its target (absolute ones included).
        const path = join(dest, name);
        if (!inside(join(posix.dirname(path), target), dest)) {
          throw new BerthError('ERR_UNSAFE_PATH', `invalid symlink "${path}" -> "${target}"`);
        }
      },
      overwriteMessage: (existingIsDir, name) => existingIsDir
        ? `cannot overwrite directory "${join(dest, name)}" with non-directory "${dest}"`
        : `cannot overwrite non-directory "${join(dest, name)}" with directory "${dest}"`,
    }, { what: options.what, owner: 'none', ...(options.noOverwriteDirNonDir ? { noOverwriteDirNonDir: true } : {}) });
  } catch (err) {
    throw fromSystemError(err, `copying to ${dest}`);
  }
}
