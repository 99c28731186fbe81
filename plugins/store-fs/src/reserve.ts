// A full disk must not keep berth from freeing it. Removing an image deletes its blobs only after
// index.json is replaced (a temp file renamed over it) under the store's lock (a directory): both
// need a little space first. The store keeps RESERVE_BYTES in `berth/reserve`; a commit that frees
// space (rmi, prune, container rm) and finds the disk full deletes the reserve and tries once more.
// The next open makes it again, once there is room.
import { lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { isBerthError } from '@berth/core';

export const RESERVE_BYTES = 4 << 20;
const RESERVE_PIECE = 64 << 10;

/**
 * Creates the reserve if it is missing and fits. It is only a help: a disk without room for it, or
 * a store berth may only read (a read-only mount), goes on without one. No fsync: its bytes mean
 * nothing, and a reserve cut short by a crash still holds some room.
 */
export async function ensureReserve(path: string): Promise<void> {
  if (await lstat(path).then(() => true, () => false)) return;
  let fh: FileHandle;
  try {
    fh = await open(path, 'wx');
  } catch {
    return; // made meanwhile by another process, or not ours to make
  }
  try {
    // In 64 KiB pieces of one zeroed buffer: 4 MiB of fresh memory would cost a pull's start ~12 ms
    // of page faults on a microVM, for bytes that only have to be on disk.
    const zeros = Buffer.alloc(RESERVE_PIECE);
    for (let at = 0; at < RESERVE_BYTES; at += RESERVE_PIECE) await fh.write(zeros, 0, RESERVE_PIECE, at);
  } catch {
    await unlink(path).catch(() => {});
  } finally {
    await fh.close();
  }
}

/**
 * Runs `commit`; when it frees space and the disk was too full to commit it, once more after
 * giving up the reserve. Other failures, and a second full disk, are the caller's.
 */
export async function withReserve<T>(path: string, frees: boolean, commit: () => Promise<T>): Promise<T> {
  try {
    return await commit();
  } catch (err) {
    if (!frees || !isBerthError(err, 'ERR_NO_SPACE')) throw err;
    const released = await unlink(path).then(() => true, () => false);
    if (!released) throw err;
    return commit();
  }
}
