// The referrers index (OCI dist-spec "Listing Referrers"): manifests that name a `subject`,
// kept per subject digest in `<root>/berthd/referrers.json` as the descriptors the API returns.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor, Digest } from '@berth/core';

/** Store repository → subject digest → referrer descriptors. */
type ReferrerTable = Record<string, Record<string, Descriptor[]>>;

export class Referrers {
  private readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'referrers.json');
  }

  private async read(): Promise<ReferrerTable> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as ReferrerTable;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  private update(change: (t: ReferrerTable) => void): Promise<void> {
    const run = this.queue.then(async () => {
      const table = await this.read();
      change(table);
      await mkdir(this.dir, { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(table));
      await rename(tmp, this.file);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  add(repository: string, subject: Digest, referrer: Descriptor): Promise<void> {
    return this.update((t) => {
      const list = ((t[repository] ??= {})[subject] ??= []);
      if (!list.some((d) => d.digest === referrer.digest)) list.push(referrer);
    });
  }

  /** Drops a deleted manifest from every subject's list in the repository. */
  remove(repository: string, referrer: Digest): Promise<void> {
    return this.update((t) => {
      const subjects = t[repository] ?? {};
      for (const [s, list] of Object.entries(subjects)) {
        subjects[s] = list.filter((d) => d.digest !== referrer);
        if (subjects[s].length === 0) delete subjects[s];
      }
    });
  }

  async list(repository: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const all = (await this.read())[repository]?.[subject] ?? [];
    return artifactType === undefined ? all : all.filter((d) => d.artifactType === artifactType);
  }
}
