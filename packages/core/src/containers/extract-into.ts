// `docker cp SRC CONTAINER:DIR`: a tar extracted into a directory of a container's rootfs, as
// moby's extractArchive does it. Every entry's parent is resolved in the rootfs's scope (a symlink
// in the container never leads out of it), the entry itself is created without following links,
// what it replaces is removed first, and ownership, modes and times come from the tar.
import { constants as fsc } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join, posix, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { drain } from '../drain.js';
import { BerthError, fromSystemError } from '../errors.js';
import { entryPath, hardlinkTarget, openUncompressed, tarFormatError } from '../layer/index.js';
import { resolveInRoot } from './root-path.js';

export interface ExtractIntoOptions {
  /** moby's noOverwriteDirNonDir: refuse to replace a directory by a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Names the container in messages. */
  container: string;
}

const CREATE_FILE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

/** Extracts `tar` (plain or gzip) into the directory `dir` of the rootfs at `root`. */
export async function extractIntoRoot(root: string, dir: string, tar: Readable, options: ExtractIntoOptions): Promise<void> {
  const destination = await resolveInRoot(root, dir);
  const st = await lstat(destination).catch(() => undefined);
  if (!st) throw new BerthError('ERR_CONTAINER_UNKNOWN', `Could not find the file ${dir} in container ${options.container}`);
  if (!st.isDirectory()) throw new BerthError('ERR_INVALID_ARGUMENT', 'extraction point is not a directory');
  // The destination as the container names it: every entry is resolved from there, in scope.
  const base = `/${relative(root, destination)}`;
  const what = `the archive for ${options.container}:${dir}`;
  const dirTimes: { path: string; mtime: Date }[] = [];

  const { stream } = await openUncompressed(tar, { what, kind: 'archive' });
  const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
  extract.on('error', () => {});
  extract.on('entry', (header, body, next) => {
    body.on('error', () => {});
    extractEntry(root, base, header, body as unknown as Readable, options, what, dirTimes).then(
      () => next(),
      (err: unknown) => {
        body.resume();
        next(err as Error);
      },
    );
  });
  try {
    await pipeline(stream, extract);
  } catch (err) {
    throw fromSystemError(tarFormatError(err, 'ERR_ARCHIVE_INVALID', what), `copying into ${options.container}`);
  }
  // Last, as moby does: writing into a directory changed its time.
  for (const { path, mtime } of dirTimes.reverse()) await lutimes(path, mtime, mtime).catch(() => {});
}

async function extractEntry(root: string, base: string, header: Header, body: Readable, options: ExtractIntoOptions, what: string, dirTimes: { path: string; mtime: Date }[]): Promise<void> {
  const name = entryPath(header.name, what);
  const inContainer = posix.join(base, name);
  if (name === '') return drain(body);
  // Missing parents are made, as moby's untar does; links among them stay inside the rootfs.
  const parent = await resolveInRoot(root, posix.dirname(inContainer), { create: true });
  const target = join(parent, posix.basename(inContainer));
  const isDir = header.type === 'directory';
  const existing = await lstat(target).catch(() => undefined);
  if (existing) {
    if (options.noOverwriteDirNonDir && existing.isDirectory() !== isDir) {
      throw new BerthError('ERR_INVALID_ARGUMENT', existing.isDirectory()
        ? `cannot overwrite directory "${inContainer}" with non-directory "${header.name}"`
        : `cannot overwrite non-directory "${inContainer}" with directory "${header.name}"`);
    }
    if (!(existing.isDirectory() && isDir)) await rm(target, { recursive: true, force: true });
  }
  const mode = (header.mode ?? 0o644) & 0o7777;
  switch (header.type) {
    case 'file':
    case 'contiguous-file': {
      // The stream closes the handle when it finishes or fails.
      const fh = await open(target, CREATE_FILE, 0o600);
      await pipeline(body, fh.createWriteStream());
      break;
    }
    case 'directory':
      if (!existing?.isDirectory()) await mkdir(target, { mode: 0o700 });
      await drain(body);
      break;
    case 'symlink':
      // The target is the container's business: it is never followed here.
      await symlink(header.linkname ?? '', target);
      await drain(body);
      break;
    case 'link': {
      const linked = posix.join(base, hardlinkTarget(name, header.linkname ?? '', what));
      const source = join(await resolveInRoot(root, posix.dirname(linked)), posix.basename(linked));
      await link(source, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: hard link "${header.name}" points to "${header.linkname}", which is not there`);
        throw err;
      });
      return drain(body);
    }
    default:
      // Devices and fifos: moby makes them with mknod, which Node cannot; they are left out.
      return drain(body);
  }
  await lchown(target, header.uid ?? 0, header.gid ?? 0);
  if (header.type !== 'symlink') await chmod(target, mode);
  const mtime = header.mtime ?? new Date();
  if (isDir) dirTimes.push({ path: target, mtime });
  else await lutimes(target, mtime, mtime);
}

