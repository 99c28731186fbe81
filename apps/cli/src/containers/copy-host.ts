// The host's end of `berth cp`, as the docker CLI handles it: which argument names a container,
// local paths made absolute (a trailing `/` or `/.` kept), the source and destination stat'ed
// (moby's CopyInfoSourcePath / CopyInfoDestinationPath) and a local source as a tar stream.
import type { Stats } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { BerthError, cleanPath, exportTree, getRebaseName, preserveTrailingDotOrSeparator, splitPathDirEntry, type CopyInfo } from '@berth/core';
import { goPathErrorText, systemErrorReason } from '../output/go-error.js';

/** `CONTAINER:PATH` or a local path; `./a:b` and `/a:b` are local, as docker reads them. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (isAbsolute(arg)) return { path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Go's wording of a failed system call: `lstat /x: no such file or directory`. */
export function goPathError(syscall: string, path: string, err: unknown): unknown {
  const why = systemErrorReason(err);
  if (why === undefined) return err;
  return new BerthError('ERR_IO', goPathErrorText(syscall, path, why), { cause: err });
}

const copyError = (message: string): BerthError => new BerthError('ERR_INVALID_ARGUMENT', message);

/** docker's command.ValidateOutputPath: the parent must exist; an existing path is a directory, a file or at least no device. */
export async function validateOutputPath(path: string): Promise<void> {
  const dir = dirname(cleanPath(path));
  if (dir !== '.' && !(await stat(dir).catch(() => undefined))) throw copyError(`invalid output path: directory "${dir}" does not exist`);
  const st: Stats | undefined = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw goPathError('stat', path, err);
  });
  // Go calls fifos and sockets neither devices nor irregular: docker lets them through.
  if (st?.isBlockDevice() || st?.isCharacterDevice()) throw copyError(`invalid output path: "${path}" must be a directory or a regular file: got a device`);
}

/**
 * moby's CopyInfoSourcePath: links before the last component are resolved; the last one too with
 * `followLink`, the entries then keeping the asked-for name.
 */
export async function copyInfoSourcePath(path: string, followLink: boolean): Promise<CopyInfo> {
  let resolved: string;
  let rebaseName: string | undefined;
  if (followLink) {
    const real = await realpath(path).catch((err: unknown) => {
      throw goPathError('lstat', path, err);
    });
    ({ path: resolved, rebaseName } = getRebaseName(path, real));
  } else {
    const slash = path.lastIndexOf('/');
    const [dir, base] = [path.slice(0, slash + 1), path.slice(slash + 1)];
    const realDir = await realpath(dir || '.').catch((err: unknown) => {
      throw goPathError('lstat', path, err);
    });
    resolved = `${realDir === '/' ? '' : realDir}/${base}`;
    // `link/`: the directory a link names, copied under the link's own name.
    if (path.endsWith('/') && basename(path) !== basename(resolved)) rebaseName = basename(path);
  }
  const st = await lstat(resolved).catch((err: unknown) => {
    throw goPathError('lstat', resolved, err);
  });
  return { path: resolved, exists: true, isDir: st.isDirectory(), ...(rebaseName ? { rebaseName } : {}) };
}

/**
 * moby's CopyInfoDestinationPath: a symlink as the last component is followed (it may dangle,
 * the copy then creates its target); a path that does not exist needs an existing parent directory.
 */
export async function copyInfoDestinationPath(path: string): Promise<CopyInfo> {
  let at = path;
  let st = await lstat(at).catch(() => undefined);
  for (let n = 0; st?.isSymbolicLink(); n++) {
    if (n > 10) throw copyError(`too many symlinks in ${path}`);
    const target = await readlink(at);
    at = isAbsolute(target) ? target : join(splitPathDirEntry(at).dir, target);
    st = await lstat(at).catch(() => undefined);
  }
  if (st) return { path: at, exists: true, isDir: st.isDirectory() };
  const parent = splitPathDirEntry(at).dir;
  const pst = await stat(parent).catch((err: unknown) => {
    throw goPathError('stat', parent, err);
  });
  if (!pst.isDirectory()) throw copyError('not a directory');
  return { path: at, exists: false, isDir: false };
}

/** docker's resolveLocalPath: absolute, with the trailing `/` or `/.` that changes the copy's meaning. */
export function resolveLocalPath(path: string): string {
  return preserveTrailingDotOrSeparator(resolve(path), path);
}

/** moby's TarResource: the source as a tar whose entries start with its name (or its rebase name). */
export function tarHostSource(source: CopyInfo): Readable {
  const out = new PassThrough();
  const prefix = source.rebaseName || splitPathDirEntry(source.path).base;
  exportTree(source.path, out, { prefix }).catch((err: unknown) => out.destroy(err as Error));
  return out;
}
