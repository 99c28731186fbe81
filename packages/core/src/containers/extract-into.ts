// `docker cp SRC CONTAINER:DIR`: a tar extracted into a directory of a container's rootfs, as
// moby's extractArchive does it. Every entry's parent is resolved in the rootfs's scope (a symlink
// in the container never leads out of it), the entry itself is created without following links,
// what it replaces is removed first, and ownership, modes and times come from the tar.
import { lstat } from 'node:fs/promises';
import { posix, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError, fromSystemError } from '../errors.js';
import { extractTar } from './extract-tar.js';
import { resolveInRoot } from './root-path.js';

export interface ExtractIntoOptions {
  /** moby's noOverwriteDirNonDir: refuse to replace a directory by a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** moby's ChownOpts: every entry gets this owner instead of the tar's (`docker cp -a` with a container user). */
  owner?: { uid: number; gid: number };
  /** Names the container in messages. */
  container: string;
}

/** Extracts `tar` (plain or gzip) into the directory `dir` of the rootfs at `root`. */
export async function extractIntoRoot(root: string, dir: string, tar: Readable, options: ExtractIntoOptions): Promise<void> {
  const destination = await resolveInRoot(root, dir);
  const st = await lstat(destination).catch(() => undefined);
  if (!st) throw new BerthError('ERR_CONTAINER_UNKNOWN', `Could not find the file ${dir} in container ${options.container}`);
  if (!st.isDirectory()) throw new BerthError('ERR_INVALID_ARGUMENT', 'extraction point is not a directory');
  // The destination as the container names it: every entry is resolved from there, in scope.
  const base = `/${relative(root, destination)}`;
  try {
    await extractTar(tar, {
      hostDir: (sub, create) => resolveInRoot(root, posix.join(base, sub), { create }),
      overwriteMessage: (existingIsDir, name, header) => existingIsDir
        ? `cannot overwrite directory "${posix.join(base, name)}" with non-directory "${header.name}"`
        : `cannot overwrite non-directory "${posix.join(base, name)}" with directory "${header.name}"`,
    }, {
      what: `the archive for ${options.container}:${dir}`,
      owner: options.owner ?? 'tar',
      ...(options.noOverwriteDirNonDir ? { noOverwriteDirNonDir: true } : {}),
    });
  } catch (err) {
    throw fromSystemError(err, `copying into ${options.container}`);
  }
}
