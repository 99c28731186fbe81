// The MetadataStore of store-fs: tags live in index.json (the OCI layout's own refs), records in
// berth/db.json. Reads take no lock; updates are serialised across processes by berth/lock.
import { open, readFile, stat } from 'node:fs/promises';
import {
  BerthError,
  isBerthError,
  type ContentStore,
  type Descriptor,
  type Digest,
  type ImageRecord,
  type LayerRecord,
  type MetadataStore,
  type StoreSnapshot,
  type UpdateOptions,
} from '@berth/core';
import { writeFilesAtomicInOrder } from './atomic-file.js';
import type { StoreLayout } from './layout.js';
import { withStoreLock, type LockOptions } from './lock.js';
import { withReserve } from './reserve.js';
import { decodeDb, encodeDb } from './metadata-db.js';
import { encodeOciIndex, entryTag, parseOciIndex } from './oci-index.js';
import { rebuildImageRecord, type RecomputeLayerRecord } from './record-rebuild.js';

export interface FsMetadataOptions {
  lock?: LockOptions;
  recomputeLayerRecord?: RecomputeLayerRecord;
}

/** A snapshot plus what an update needs to rewrite the files faithfully. */
export interface StoreState {
  snapshot: StoreSnapshot;
  /** index.json entries that are not berth images (another tool's index, missing blobs): kept as they are. */
  foreign: Descriptor[];
  indexText: string;
  dbText: string;
  /** Some records were rebuilt from blobs because db.json lacked them. */
  rebuilt: number;
}

const READ_ATTEMPTS = 5;

interface PendingUpdate {
  change: (draft: StoreSnapshot) => unknown;
  options: UpdateOptions;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  settled: boolean;
}

function settle(u: PendingUpdate, outcome: { error: unknown } | { value: unknown }): void {
  if (u.settled) return;
  u.settled = true;
  if ('error' in outcome) u.reject(outcome.error);
  else u.resolve(outcome.value);
}
const REPAIR_LOCK_TIMEOUT_MS = 1_000;

export class FsMetadataStore implements MetadataStore {
  constructor(
    private readonly layout: StoreLayout,
    private readonly content: ContentStore,
    private readonly options: FsMetadataOptions = {},
  ) {}

  private repairTried = false;

  async read(): Promise<StoreSnapshot> {
    const state = await this.cachedState();
    if (state.rebuilt > 0 && !this.repairTried) {
      // Records rebuilt from blobs are saved once, as a courtesy: never wait long for the lock.
      this.repairTried = true;
      await this.updateWithLock({ ...this.options.lock, timeoutMs: REPAIR_LOCK_TIMEOUT_MS }, () => undefined).catch((err: unknown) => {
        if (!isBerthError(err, 'ERR_STORE_LOCKED')) throw err;
      });
    }
    // Fresh maps per caller: one that adds or deletes entries does not change the cached state.
    // The records themselves are shared: readers treat them as read-only (changes go through update).
    const { images, tags, layers } = state.snapshot;
    return { images: new Map(images), tags: new Map(tags), layers: new Map(layers) };
  }

  private cache?: { key: string; state: StoreState };

  /**
   * The last parsed state while index.json and db.json are the same files: a long-lived reader
   * (berthd resolving a tag per manifest GET) otherwise parses the whole db per request. Both
   * files are replaced by rename on every commit, by any process, so their identity is the key;
   * it is taken before reading, so a commit landing meanwhile only costs a re-read next time.
   */
  private async cachedState(): Promise<StoreState> {
    const key = await this.filesKey();
    if (key !== undefined && this.cache?.key === key) return this.cache.state;
    const state = await this.readState();
    if (key !== undefined) this.cache = { key, state };
    return state;
  }

  private async filesKey(): Promise<string | undefined> {
    const id = async (path: string): Promise<string | undefined> => {
      const st = await stat(path, { bigint: true }).catch(() => undefined);
      return st && `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    };
    const [index, db] = await Promise.all([id(this.layout.indexJson), id(this.layout.db)]);
    return index === undefined ? undefined : `${index}|${db ?? 'none'}`;
  }

  async update<T>(change: (draft: StoreSnapshot) => T | Promise<T>, options: UpdateOptions = {}): Promise<T> {
    // Group commit: updates that arrive while one is committing wait for the next batch, which
    // applies them in order under one lock and writes db.json and index.json once (concurrent
    // pushes each committing with four fsyncs under the lock were berthd's push bottleneck).
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ change, options, resolve: resolve as (v: unknown) => void, reject, settled: false });
      if (!this.flushing) void this.flush();
    });
  }

  private pending: PendingUpdate[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        await this.commitBatch(this.options.lock ?? {}, batch).catch((err: unknown) => {
          for (const u of batch) settle(u, { error: err });
        });
      }
    } finally {
      this.flushing = false;
    }
  }

  async updateWithLock<T>(lockOptions: LockOptions, change: (draft: StoreSnapshot) => T | Promise<T>, options: UpdateOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const one: PendingUpdate = { change, options, resolve: resolve as (v: unknown) => void, reject, settled: false };
      this.commitBatch(lockOptions, [one]).catch((err: unknown) => settle(one, { error: err }));
    });
  }

  /**
   * Applies each change to the snapshot the previous one left (a change that throws is dropped,
   * and only its caller hears of it), writes once, then runs each afterCommit with the snapshot
   * as committed: blobs a later change of the batch uses are never seen as released.
   */
  private async commitBatch(lockOptions: LockOptions, batch: PendingUpdate[]): Promise<void> {
    // A batch that frees space may spend the store's reserve to commit on a full disk.
    const frees = batch.some((u) => u.options.frees);
    await withReserve(this.layout.reserve, frees, () => this.commitBatchOnce(lockOptions, batch.filter((u) => !u.settled)));
  }

  private async commitBatchOnce(lockOptions: LockOptions, batch: PendingUpdate[]): Promise<void> {
    const { layout } = this;
    await withStoreLock(layout.lock, lockOptions, async (lock) => {
      // The state this process last read or wrote, unless another process has committed since.
      const state = await this.cachedState();
      let current = state.snapshot;
      // Crash consistency. index.json is the commit point: its rename decides which images and
      // tags exist. db.json is written first, and holds the records of the images before AND
      // after this batch; so whichever of the two files a kill -9 leaves behind, every image
      // index.json names has its record (records index.json does not name are dropped on read).
      // The next update writes the db without the removed images, so the superset does not grow.
      const union = new Map(current.images);
      const applied: { u: PendingUpdate; before: StoreSnapshot; result: unknown }[] = [];
      for (const u of batch) {
        const draft = structuredClone(current);
        try {
          const result = await u.change(draft);
          checkDraft(draft);
          applied.push({ u, before: current, result });
          current = { images: draft.images, tags: draft.tags, layers: layersOf(draft.images) };
          for (const [id, record] of draft.images) union.set(id, record);
        } catch (err) {
          settle(u, { error: err });
        }
      }
      if (applied.length === 0) return;
      const dbText = encodeDb(union.values());
      const indexText = encodeOciIndex(current, state.foreign);
      // db.json lands before index.json (see above); their bytes are made durable side by side,
      // and each rename happens only while the lock is still ours.
      const files = [...(dbText !== state.dbText ? [{ path: layout.db, data: dbText }] : []), ...(indexText !== state.indexText ? [{ path: layout.indexJson, data: indexText }] : [])];
      await writeFilesAtomicInOrder(files, layout.tmp, () => lock.assertHeld());
      // What was written is what the next commit or read would parse back: keep it.
      const key = await this.filesKey();
      if (key !== undefined) this.cache = { key, state: { snapshot: current, foreign: state.foreign, indexText, dbText, rebuilt: 0 } };

      // Still under the lock: blobs the commit orphaned can be deleted without racing a writer.
      for (const { u, before, result } of applied) {
        try {
          if (u.options.afterCommit) await u.options.afterCommit(current, before);
          settle(u, { value: result });
        } catch (err) {
          settle(u, { error: err });
        }
      }
    });
  }

  /** Reads index.json and db.json consistently, without the lock. */
  async readState(): Promise<StoreState> {
    let indexText = '';
    let dbText = '';
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      const index = await this.readIndex();
      indexText = index.text;
      dbText = await readFile(this.layout.db, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      // index.json is replaced by rename, so a new inode means a commit landed between our reads.
      // While it has not, the db we read is the one written for this index or the next one, and
      // both hold every record this index names.
      const now = await stat(this.layout.indexJson).catch(() => undefined);
      if (now?.ino === index.ino) break;
    }
    return this.buildState(indexText, dbText);
  }

  private async readIndex(): Promise<{ text: string; ino: number }> {
    let fh;
    try {
      fh = await open(this.layout.indexJson, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BerthError('ERR_STORE_CORRUPT', `${this.layout.indexJson} is missing: ${this.layout.root} is not an OCI image layout`);
      }
      throw err;
    }
    try {
      const { ino } = await fh.stat();
      return { text: await fh.readFile('utf8'), ino };
    } finally {
      await fh.close();
    }
  }

  private async buildState(indexText: string, dbText: string): Promise<StoreState> {
    const entries = parseOciIndex(indexText, this.layout.indexJson);
    const db = decodeDb(dbText, this.layout.db);
    const byManifest = new Map<Digest, ImageRecord>();
    for (const record of db.images.values()) byManifest.set(record.manifest.digest, record);

    const images = new Map<Digest, ImageRecord>();
    const tags = new Map<string, Digest>();
    const foreign: Descriptor[] = [];
    let rebuilt = 0;
    for (const desc of entries) {
      let record = byManifest.get(desc.digest);
      if (!record) {
        record = await rebuildImageRecord(desc, this.content, db.layers, this.options.recomputeLayerRecord);
        if (record) {
          byManifest.set(desc.digest, record);
          rebuilt++;
        }
      }
      const known = record && images.get(record.id);
      // Two manifests for one config (one image ID) cannot both be a berth image: keep the first.
      if (!record || (known && known.manifest.digest !== desc.digest)) {
        foreign.push(desc);
        continue;
      }
      images.set(record.id, record);
      const tag = entryTag(desc);
      if (tag !== undefined && !tags.has(tag)) tags.set(tag, record.id);
    }
    return { snapshot: { images, tags, layers: layersOf(images) }, foreign, indexText, dbText, rebuilt };
  }
}

function layersOf(images: ReadonlyMap<Digest, ImageRecord>): Map<Digest, LayerRecord> {
  const layers = new Map<Digest, LayerRecord>();
  for (const image of images.values()) for (const layer of image.layers) layers.set(layer.digest, layer);
  return layers;
}

/** Refuses a draft index.json could not represent; the update then persists nothing. */
function checkDraft(draft: StoreSnapshot): void {
  const manifests = new Map<Digest, Digest>();
  for (const [id, record] of draft.images) {
    if (record.id !== id) throw new BerthError('ERR_INVALID_ARGUMENT', `image record ${record.id} is stored under the ID ${id}`);
    const other = manifests.get(record.manifest.digest);
    if (other) throw new BerthError('ERR_INVALID_ARGUMENT', `images ${other} and ${id} claim the same manifest ${record.manifest.digest}`);
    manifests.set(record.manifest.digest, id);
  }
  for (const [tag, id] of draft.tags) {
    if (tag === '') throw new BerthError('ERR_INVALID_ARGUMENT', 'an empty tag cannot be stored');
    if (!draft.images.has(id)) throw new BerthError('ERR_INVALID_ARGUMENT', `tag ${tag} points to image ${id}, which is not in the store`);
  }
}
