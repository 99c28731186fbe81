// Removes what interrupted ingests left in berth/tmp: a temp older than an hour belongs to a
// process that died (a live writer keeps touching its file), so open() deletes it.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const STALE_TEMP_MS = 60 * 60 * 1000;
export const STALE_PARTIAL_MS = 24 * 60 * 60 * 1000;

export async function removeStaleTemps(dir: string, maxAgeMs = STALE_TEMP_MS, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st || now - st.mtimeMs < maxAgeMs) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
