// Where an upload in progress is remembered, so a push cut off (dropped connection, Ctrl-C,
// kill -9) asks the registry how much it holds and sends only the rest: one small file per
// (registry, repository, blob) under the store's `berth/uploads/`, holding the session's URL.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface SavedSession {
  location: string;
}

/** Sessions older than this are not worth asking about (registries purge them: distribution after a week). */
const MAX_AGE_MS = 24 * 3600_000;

export class UploadSessionFile {
  private readonly path: string;

  constructor(
    private readonly dir: string,
    host: string,
    repository: string,
    digest: string,
  ) {
    const key = createHash('sha256').update(`${host}/${repository}@${digest}`).digest('hex');
    this.path = join(dir, key.slice(0, 32));
  }

  async load(): Promise<string | undefined> {
    try {
      const text = await readFile(this.path, 'utf8');
      const saved = JSON.parse(text) as Partial<SavedSession> & { savedAt?: number };
      if (typeof saved.location !== 'string' || typeof saved.savedAt !== 'number' || Date.now() - saved.savedAt > MAX_AGE_MS) return undefined;
      return saved.location;
    } catch {
      return undefined; // none, or unreadable: start afresh
    }
  }

  /** Written by rename, so a kill mid-write leaves the old location or the new one. */
  async save(location: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify({ location, savedAt: Date.now() }), { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async remove(): Promise<void> {
    await unlink(this.path).catch(() => {});
  }

  /** Deletes what pushes that were never retried left (older than a day): nothing would ask for it. */
  static async sweep(dir: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const old = Date.now() - MAX_AGE_MS;
    for (const name of names) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && st.mtimeMs < old) await unlink(join(dir, name)).catch(() => {});
    }
  }
}
