// Tags of manifests the store cannot keep as images (indexes, artifacts, non-image configs):
// `<root>/berthd/tags.json`, rewritten atomically; one berthd per root serialises its writes.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '@berth/core';

export interface TaggedManifest {
  digest: Digest;
  mediaType: string;
}

/** Store repository (`docker.io/team/app`) → tag → manifest. */
type TagTable = Record<string, Record<string, TaggedManifest>>;

export class ArtifactTags {
  private readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'tags.json');
  }

  async read(): Promise<TagTable> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as TagTable;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  /** Runs `change` on the table and persists it; calls are serialised. */
  update<T>(change: (table: TagTable) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const table = await this.read();
      const before = JSON.stringify(table);
      const result = change(table);
      for (const [repo, tags] of Object.entries(table)) if (Object.keys(tags).length === 0) delete table[repo];
      // Most image pushes change nothing here (they only clear a tag no artifact had): no write.
      if (JSON.stringify(table) === before) return result;
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(table));
      await rename(tmp, this.file);
      return result;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
