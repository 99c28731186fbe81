// One tar extractor for both ends of `docker cp`: entries are created without following links,
// what they replace is removed first, modes and times come from the tar, and every entry's parent
// directory comes from a scope that decides how paths resolve (inside a rootfs, or refused when
// they would leave a host directory).
import { constants as fsc } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { drain } from '../drain.js';
import { BerthError } from '../errors.js';
import { entryPath, hardlinkTarget, openUncompressed, tarFormatError } from '../layer/index.js';

export interface ExtractScope {
  /** The host directory that `dir` (clean, relative to the extraction point; '' for itself) names, made when `create`. */
  hostDir(dir: string, create: boolean): Promise<string>;
  /** Throws for a symlink entry the scope does not allow. */
  checkSymlink?(name: string, target: string): void;
  /** moby's noOverwriteDirNonDir message for the entry `name` (clean) of the tar entry `header`. */
  overwriteMessage(existingIsDir: boolean, name: string, header: Header): string;
}

export interface ExtractTarOptions {
  /** Names the archive in messages. */
  what: string;
  /** moby's noOverwriteDirNonDir: refuse to replace a directory by a non-directory or the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Owners: the tar's (`'tar'`), one for every entry (moby's ChownOpts), or left to the extracting user (`'none'`). */
  owner: 'tar' | 'none' | { uid: number; gid: number };
}

const CREATE_FILE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;

/** Extracts `tar` (plain or gzip) at the scope's extraction point. */
export async function extractTar(tar: Readable, scope: ExtractScope, options: ExtractTarOptions): Promise<void> {
  const dirTimes: { path: string; mtime: Date }[] = [];
  const { stream } = await openUncompressed(tar, { what: options.what, kind: 'archive' });
  const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
  extract.on('error', () => {});
  extract.on('entry', (header, body, next) => {
    body.on('error', () => {});
    extractEntry(scope, header, body as unknown as Readable, options, dirTimes).then(
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
    throw tarFormatError(err, 'ERR_ARCHIVE_INVALID', options.what);
  }
  // Last, as moby does: writing into a directory changed its time.
  for (const { path, mtime } of dirTimes.reverse()) await lutimes(path, mtime, mtime).catch(() => {});
}

async function extractEntry(scope: ExtractScope, header: Header, body: Readable, options: ExtractTarOptions, dirTimes: { path: string; mtime: Date }[]): Promise<void> {
  const name = entryPath(header.name, options.what);
  if (name === '') return drain(body);
  // Missing parents are made, as moby's untar does.
  const target = join(await scope.hostDir(posix.dirname(name) === '.' ? '' : posix.dirname(name), true), posix.basename(name));
  const isDir = header.type === 'directory';
  if (header.type === 'symlink') scope.checkSymlink?.(name, header.linkname ?? '');
  const existing = await lstat(target).catch(() => undefined);
  if (existing) {
    if (options.noOverwriteDirNonDir && existing.isDirectory() !== isDir) {
      throw new BerthError('ERR_INVALID_ARGUMENT', scope.overwriteMessage(existing.isDirectory(), name, header));
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
      // Created, never followed here.
      await symlink(header.linkname ?? '', target);
      await drain(body);
      break;
    case 'link': {
      const linked = hardlinkTarget(name, header.linkname ?? '', options.what);
      const source = join(await scope.hostDir(posix.dirname(linked) === '.' ? '' : posix.dirname(linked), false), posix.basename(linked));
      await link(source, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new BerthError('ERR_ARCHIVE_INVALID', `${options.what}: hard link "${header.name}" points to "${header.linkname}", which is not there`);
        throw err;
      });
      return drain(body);
    }
    default:
      // Devices and fifos: moby makes them with mknod, which Node cannot; they are left out.
      return drain(body);
  }
  if (options.owner !== 'none') {
    const owner = options.owner === 'tar' ? { uid: header.uid ?? 0, gid: header.gid ?? 0 } : options.owner;
    await lchown(target, owner.uid, owner.gid);
  }
  if (header.type !== 'symlink') await chmod(target, mode);
  const mtime = header.mtime ?? new Date();
  if (isDir) dirTimes.push({ path: target, mtime });
  else await lutimes(target, mtime, mtime);
}
