// Files berth writes for the user (save -o) appear whole or not at all: a temp file beside the
// target, fsync, then rename; on failure the temp is removed and the target untouched.
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fromSystemError } from '@berth/core';

export async function writeAtomically(target: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const out = createWriteStream(temp, { mode: 0o644 });
  try {
    await write(out);
    if (!out.writableEnded) out.end();
    await finished(out);
    const fh = await open(temp, 'r');
    await fh.sync().finally(() => fh.close());
    await rename(temp, target);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    throw fromSystemError(err, `writing ${target}`);
  }
}
