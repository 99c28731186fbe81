// Durable file replacement: write a temp file, fsync it, rename it over the target, fsync the
// directory. A reader sees the old file or the new one, never a mix, even after a power cut.
import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fromSystemError, isBerthError } from '@berth/core';

/** A unique temp path in `tmpDir` (which must be on the target's filesystem for rename). */
export function tempPath(tmpDir: string, label: string): string {
  return join(tmpDir, `${label}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Replaces `path` with `data` atomically and durably. */
export function writeFileAtomic(path: string, data: string | Uint8Array, tmpDir: string): Promise<void> {
  return writeFilesAtomicInOrder([{ path, data }], tmpDir);
}

/**
 * Replaces several files atomically and durably, in the order given: their temp files are written
 * and fsynced at once (the slow part, overlapped), then each rename is made durable before the
 * next, so a crash leaves a prefix of the replacements, never a later one without an earlier one.
 */
export async function writeFilesAtomicInOrder(files: readonly { path: string; data: string | Uint8Array }[], tmpDir: string, beforeRename: () => void = () => {}): Promise<void> {
  const temps = await Promise.allSettled(files.map((f) => writeDurableTemp(f.data, tmpDir, basename(f.path))));
  const failed = temps.find((t) => t.status === 'rejected');
  if (failed) {
    for (const t of temps) if (t.status === 'fulfilled') await unlink(t.value).catch(() => {});
    throw (failed as PromiseRejectedResult).reason;
  }
  for (const [i, f] of files.entries()) {
    const tmp = (temps[i] as PromiseFulfilledResult<string>).value;
    try {
      beforeRename();
      await rename(tmp, f.path);
    } catch (err) {
      for (const t of temps.slice(i)) await unlink((t as PromiseFulfilledResult<string>).value).catch(() => {});
      throw isBerthError(err) ? err : fromSystemError(err, `writing ${f.path}`);
    }
    await fsyncDir(dirname(f.path));
  }
}

/**
 * Creates `path` with `data` only if it does not exist; false when it already did. link(2) fails
 * on an existing name, so two processes creating the layout at once cannot overwrite each other.
 */
export async function createFileExclusive(path: string, data: string | Uint8Array, tmpDir: string): Promise<boolean> {
  // Nearly every open finds it there: nothing is written then, so a full disk can still be read.
  if (await lstat(path).then(() => true, () => false)) return false;
  const tmp = await writeDurableTemp(data, tmpDir, basename(path));
  try {
    await link(tmp, path);
    await fsyncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fromSystemError(err, `creating ${path}`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

async function writeDurableTemp(data: string | Uint8Array, tmpDir: string, label: string): Promise<string> {
  const tmp = tempPath(tmpDir, label);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return tmp;
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw fromSystemError(err, `writing ${label}`);
  }
}

/** Makes a rename or link in `dir` durable (POSIX: the entry lives in the directory's data). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
