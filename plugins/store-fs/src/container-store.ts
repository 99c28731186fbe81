// Container records on disk: `berth/containers/<id>/config.v2.json` (Docker's file name) and the
// json-file log beside it. Creating (the name check), updating and removing run under their own
// cross-process lock (`berth/containers/lock`), so image metadata writers never wait on them;
// reads take no lock, since every record is replaced whole by rename.
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError, type ContainerRecord, type ContainerStore } from '@berth/core';
import { writeFileAtomic } from './atomic-file.js';
import { withStoreLock, type LockOptions } from './lock.js';
import { withReserve } from './reserve.js';

const ID = /^[0-9a-f]{64}$/;

export class FsContainerStore implements ContainerStore {
  private readonly dir: string;
  private readonly tmp: string;
  private readonly lockPath: string;
  private readonly reserve: string;

  constructor(berthDir: string, private readonly lock: LockOptions = {}) {
    this.dir = join(berthDir, 'containers');
    this.tmp = join(berthDir, 'tmp');
    this.lockPath = join(this.dir, 'lock');
    this.reserve = join(berthDir, 'reserve'); // the store's reserve (layout.ts)
  }

  async list(): Promise<ContainerRecord[]> {
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const out: ContainerRecord[] = [];
    for (const n of names) {
      if (!ID.test(n)) continue;
      const rec = await this.get(n);
      if (rec) out.push(rec);
    }
    return out;
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      return JSON.parse(await readFile(this.recordPath(id), 'utf8')) as ContainerRecord;
    } catch (err) {
      // A directory without its record is a create in progress or a remove half done.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new BerthError('ERR_STORE_CORRUPT', `container record ${this.recordPath(id)} is unreadable: ${(err as Error).message}`, { cause: err });
    }
  }

  async create(record: Omit<ContainerRecord, 'LogPath'>): Promise<ContainerRecord> {
    if (!ID.test(record.Id)) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid container id "${record.Id}"`);
    await mkdir(this.dir, { recursive: true });
    return this.locked(async () => {
      for (const other of await this.list()) {
        if (other.Name === record.Name) throw nameConflict(record.Name, other.Id);
        if (other.Id === record.Id) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${record.Id} already exists`);
      }
      const full: ContainerRecord = { ...record, LogPath: join(this.dir, record.Id, `${record.Id}-json.log`) };
      await mkdir(join(this.dir, record.Id), { recursive: true });
      await this.write(full);
      return full;
    });
  }

  async update(id: string, change: (current: ContainerRecord) => ContainerRecord | void): Promise<ContainerRecord> {
    return this.locked(async () => {
      const current = await this.get(id);
      if (!current) throw new BerthError('ERR_CONTAINER_UNKNOWN', `No such container: ${id}`);
      const draft = structuredClone(current);
      const next = change(draft) ?? draft;
      await this.write(next);
      return next;
    });
  }

  async rename(id: string, name: string): Promise<ContainerRecord> {
    return this.locked(async () => {
      const current = await this.get(id);
      if (!current) throw new BerthError('ERR_CONTAINER_UNKNOWN', `No such container: ${id}`);
      for (const other of await this.list()) {
        if (other.Name === name && other.Id !== id) throw new BerthError('ERR_CONTAINER_CONFLICT', `Error when allocating new name: ${nameConflict(name, other.Id).message}`);
      }
      const next = { ...current, Name: name };
      await this.write(next);
      return next;
    });
  }

  async remove(id: string): Promise<void> {
    if (!ID.test(id)) return;
    // Taking the lock makes a directory: on a full disk a removal may spend the store's reserve.
    await withReserve(this.reserve, true, () =>
      this.locked(async () => {
        // The record goes first: a crash afterwards leaves a directory `list` ignores.
        await rm(this.recordPath(id), { force: true });
        await rm(join(this.dir, id), { recursive: true, force: true });
      }),
    );
  }

  private recordPath(id: string): string {
    return join(this.dir, id, 'config.v2.json');
  }

  private async write(rec: ContainerRecord): Promise<void> {
    await mkdir(this.tmp, { recursive: true });
    await writeFileAtomic(this.recordPath(rec.Id), JSON.stringify(rec), this.tmp);
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    return withStoreLock(this.lockPath, this.lock, async (lock) => {
      const out = await fn();
      lock.assertHeld();
      return out;
    });
  }
}

function nameConflict(name: string, holder: string): BerthError {
  return new BerthError(
    'ERR_CONTAINER_CONFLICT',
    `Conflict. The container name "${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
  );
}
