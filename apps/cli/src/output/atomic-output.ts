// Files berth writes for the user (save -o, export -o) appear whole or not at all: a temp file
// beside the target, fsync, then rename; on failure the temp is removed and the target untouched.
// The target is checked first with the rules and words of moby's atomicwriter, which docker 28's
// save and export use: `failed to save image: cannot write to a directory`.
import { createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, normalize } from 'node:path';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { BerthError, fromSystemError } from '@berth/core';
import { goPathErrorText, goSystemErrorText, systemErrorReason } from './go-error.js';

/** `what` words the failure as docker does: `failed to ${what}: …` (`save image`, `export container`). */
export async function writeAtomically(target: string, what: string, write: (out: Writable) => Promise<void>): Promise<void> {
  try {
    await validateDestination(target);
  } catch (err) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `failed to ${what}: ${(err as Error).message}`);
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const out = createWriteStream(temp, { mode: 0o644 });
  try {
    // Opened before anyone writes: a failed open is this error, not an unhandled stream event.
    await once(out, 'open');
    await write(out);
    if (!out.writableEnded) out.end();
    await finished(out);
    const fh = await open(temp, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(temp, target);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    const typed = fromSystemError(err, `writing ${target}`);
    if (typed !== err) throw typed;
    const go = goSystemErrorText(err);
    throw go === undefined ? err : new BerthError('ERR_IO', `failed to ${what}: ${go}`, { cause: err });
  }
}

/** moby's atomicwriter.validateDestination: an existing directory to write into, a regular file or nothing at the path. */
async function validateDestination(path: string): Promise<void> {
  const dir = dirname(normalize(path));
  if (dir !== '.' && dir !== '..') {
    const st = await stat(dir).catch((err: unknown) => {
      throw new Error(`invalid output path: ${goSystemErrorText(err) ?? (err as Error).message}`);
    });
    if (!st.isDirectory()) throw new Error(`invalid output path: ${goPathErrorText('stat', dir, 'not a directory')}`);
  }
  const st = await stat(path).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`failed to stat output path: ${goSystemErrorText(err) ?? systemErrorReason(err) ?? (err as Error).message}`);
  });
  if (!st || st.isFile()) return;
  if (st.isFIFO()) throw new Error('cannot write to a named pipe (FIFO)');
  if (st.isSocket()) throw new Error('cannot write to a socket');
  if (st.isCharacterDevice()) throw new Error('cannot write to a character device file');
  if (st.isBlockDevice()) throw new Error('cannot write to a block device file');
  if (st.isDirectory()) throw new Error('cannot write to a directory');
}
