// The FileHashCache on disk (`berth/build/file-hashes.json` beside the store): loaded once per
// build, saved at its end with the entries this build used first and earlier builds' after them
// (so two projects built in turn keep theirs), at most MAX_ENTRIES.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHashCache } from './source-fs.js';

const MAX_ENTRIES = 200_000;

export interface PersistentFileHashCache extends FileHashCache {
  save(): Promise<void>;
}

export async function openFileHashCache(file: string): Promise<PersistentFileHashCache> {
  let old: Record<string, string> = {};
  try {
    old = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch {
    // none yet, or unreadable: start afresh
  }
  const used = new Map<string, string>();
  return {
    get(key) {
      const v = Object.hasOwn(old, key) ? old[key] : used.get(key);
      if (v !== undefined) used.set(key, v);
      return v;
    },
    set(key, digest) {
      used.set(key, digest);
    },
    async save() {
      if (used.size === 0) return;
      await mkdir(dirname(file), { recursive: true });
      const kept = new Map(used);
      for (const [k, v] of Object.entries(old)) {
        if (kept.size >= MAX_ENTRIES) break;
        if (!kept.has(k)) kept.set(k, v);
      }
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(Object.fromEntries(kept)));
      await rename(tmp, file);
    },
  };
}
