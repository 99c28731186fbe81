// The contract every StoreBackend (store-fs, a third-party plugin, later S3) must pass: blob ingest
// that keeps nothing on failure, transactional metadata updates, and safety across processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { describe, expect, it, afterEach, beforeEach } from 'vitest';
import {
  BerthError,
  MediaType,
  sha256,
  type BlobInfo,
  type ContentStore,
  type Digest,
  type ImageRecord,
  type StoreBackend,
  type StoreSnapshot,
} from '@berth/core';
import { codeOf } from './error-code.js';

/**
 * How a child process opens the same store: `module` (a package name, or a file path; `.ts`
 * files are loaded through Vite, which vitest brings) exports `exportName(options) → StoreBackend`.
 */
export interface ChildStoreSpec {
  module: string;
  exportName: string;
  options: unknown;
  /** Vite resolve aliases for a `.ts` module in a workspace whose packages are not built. */
  alias?: Record<string, string>;
}

export interface StoreUnderTest {
  backend: StoreBackend;
  cleanup(): Promise<void>;
  /** Enables the cross-process tests. */
  child?: ChildStoreSpec;
}

export interface StoreProcess {
  child: ChildProcess;
  /** Resolves with what the body returned (JSON), rejects when the child fails. */
  result: Promise<unknown>;
}

const BOOTSTRAP = `
const { spec, body, args } = JSON.parse(process.env.BERTH_STORE_CHILD);
let mod;
if (/\\.[cm]?tsx?$/.test(spec.module)) {
  const { runnerImport } = await import('vite');
  mod = (await runnerImport(spec.module, { configFile: false, logLevel: 'error', resolve: { alias: spec.alias ?? {} } })).module;
} else {
  mod = await import(spec.module);
}
const backend = await mod[spec.exportName](spec.options);
const AsyncFunction = (async () => {}).constructor;
const result = await new AsyncFunction('backend', 'args', body)(backend, args);
process.stdout.write(JSON.stringify(result ?? null));
`;

/**
 * Runs `body` (the source of an async function of `backend` and `args`) in a new Node process
 * that opens the store described by `spec`.
 */
export function spawnStoreProcess(spec: ChildStoreSpec, body: string, args: unknown = null): StoreProcess {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BOOTSTRAP], {
    cwd: process.cwd(),
    env: { ...process.env, BERTH_STORE_CHILD: JSON.stringify({ spec, body, args }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const result = new Promise<unknown>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) resolve(stdout === '' ? null : JSON.parse(stdout));
      else reject(new Error(`store child exited with ${code ?? signal}\nstderr: ${Buffer.concat(err).toString('utf8')}`));
    });
  });
  return { child, result };
}

/** Puts a tiny but well-formed single-layer image (layer, config, manifest) and returns its record. */
export async function putContractImage(content: ContentStore, seed: string): Promise<ImageRecord> {
  const layerBytes = Buffer.concat([Buffer.from(`layer ${seed}\n`), randomBytes(512)]);
  const layer = await content.put(Readable.from([layerBytes]));
  const configBytes = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-02T03:04:05Z',
    config: { Labels: { seed } },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created: '2024-01-02T03:04:05Z', created_by: `contract ${seed}` }],
  }));
  const config = await content.put(Readable.from([configBytes]));
  const manifestBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: MediaType.OciLayer, digest: layer.digest, size: layer.size }],
  }));
  const manifest = await content.put(Readable.from([manifestBytes]));
  const layerRecord = { digest: layer.digest, mediaType: MediaType.OciLayer, blobSize: layer.size, diffID: layer.digest, tarSize: layer.size, size: layer.size };
  return {
    id: config.digest,
    manifest: { mediaType: MediaType.OciManifest, digest: manifest.digest, size: manifest.size },
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    platform: { architecture: 'amd64', os: 'linux' },
    created: '2024-01-02T03:04:05Z',
    size: layer.size,
    layers: [layerRecord],
    labels: { seed },
    repoDigests: [],
  };
}

function bytesStream(...chunks: Buffer[]): Readable {
  return Readable.from(chunks);
}

async function listAll(content: ContentStore): Promise<BlobInfo[]> {
  const all: BlobInfo[] = [];
  for await (const info of content.list()) all.push(info);
  return all.sort((a, b) => a.digest.localeCompare(b.digest));
}


function addImage(draft: StoreSnapshot, record: ImageRecord, ...tags: string[]): void {
  draft.images.set(record.id, record);
  for (const tag of tags) draft.tags.set(tag, record.id);
}

export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    let store: StoreUnderTest;
    let content: ContentStore;
    beforeEach(async () => {
      store = await open();
      content = store.backend.content;
    });
    afterEach(async () => {
      await store.cleanup();
    });

    describe('content', () => {
      it('put returns the sha256 and size, and stat and get give the bytes back', async () => {
        const bytes = randomBytes(100_000);
        const info = await content.put(bytesStream(bytes.subarray(0, 30_000), bytes.subarray(30_000)));
        expect(info).toEqual({ digest: sha256(bytes), size: bytes.length });
        expect(await content.stat(info.digest)).toEqual(info);
        expect((await readAll(await content.get(info.digest))).equals(bytes)).toBe(true);
      });

      it('put accepts bytes matching the expected digest and size', async () => {
        const bytes = Buffer.from('expected content');
        const info = await content.put(bytesStream(bytes), { digest: sha256(bytes), size: bytes.length });
        expect(info).toEqual({ digest: sha256(bytes), size: bytes.length });
      });

      it('get streams from an offset, and an offset at the end gives nothing', async () => {
        const bytes = randomBytes(10_000);
        const { digest } = await content.put(bytesStream(bytes));
        expect((await readAll(await content.get(digest, { offset: 4321 }))).equals(bytes.subarray(4321))).toBe(true);
        expect((await readAll(await content.get(digest, { offset: bytes.length }))).length).toBe(0);
      });

      it('an absent blob: stat is undefined and get throws ERR_BLOB_UNKNOWN', async () => {
        const digest = sha256('never stored');
        expect(await content.stat(digest)).toBeUndefined();
        expect(await codeOf(content.get(digest))).toBe('ERR_BLOB_UNKNOWN');
      });

      it('put is idempotent, also when the same content races itself', async () => {
        const bytes = randomBytes(200_000);
        const first = await content.put(bytesStream(bytes));
        const again = await Promise.all([1, 2, 3, 4].map(() => content.put(bytesStream(bytes), { digest: first.digest })));
        for (const info of again) expect(info).toEqual(first);
        expect(await listAll(content)).toEqual([first]);
        expect((await readAll(await content.get(first.digest))).equals(bytes)).toBe(true);
      });

      it('a digest mismatch throws ERR_DIGEST_MISMATCH and keeps nothing', async () => {
        const bytes = Buffer.from('actual bytes');
        const claimed = sha256('other bytes');
        expect(await codeOf(content.put(bytesStream(bytes), { digest: claimed }))).toBe('ERR_DIGEST_MISMATCH');
        expect(await content.stat(claimed)).toBeUndefined();
        expect(await content.stat(sha256(bytes))).toBeUndefined();
        expect(await listAll(content)).toEqual([]);
      });

      it('a size mismatch, short or long, throws ERR_SIZE_MISMATCH and keeps nothing', async () => {
        const bytes = Buffer.from('twelve bytes');
        expect(await codeOf(content.put(bytesStream(bytes), { digest: sha256(bytes), size: 13 }))).toBe('ERR_SIZE_MISMATCH');
        expect(await codeOf(content.put(bytesStream(bytes), { size: 5 }))).toBe('ERR_SIZE_MISMATCH');
        expect(await listAll(content)).toEqual([]);
      });

      it('an aborted put throws ERR_ABORTED and keeps nothing', async () => {
        const controller = new AbortController();
        let sent = 0;
        // A source that sends one chunk and then stalls, like a stuck download.
        const stalled = new Readable({
          read() {
            if (sent++ === 0) {
              this.push(randomBytes(64 * 1024));
              setTimeout(() => controller.abort(), 20);
            }
          },
        });
        expect(await codeOf(content.put(stalled, { signal: controller.signal }))).toBe('ERR_ABORTED');
        expect(await listAll(content)).toEqual([]);
      });

      it('delete removes a blob and deleting an absent one is no error', async () => {
        const { digest } = await content.put(bytesStream(Buffer.from('to delete')));
        await content.delete(digest);
        expect(await content.stat(digest)).toBeUndefined();
        expect(await codeOf(content.get(digest))).toBe('ERR_BLOB_UNKNOWN');
        await content.delete(digest);
      });

      it('list yields every blob once with its size, and physicalSize is their sum', async () => {
        const infos = [];
        for (const n of [1, 1000, 70_000]) infos.push(await content.put(bytesStream(randomBytes(n))));
        await content.put(bytesStream(Buffer.alloc(0)));
        const empty = { digest: sha256(''), size: 0 };
        expect(await listAll(content)).toEqual([...infos, empty].sort((a, b) => a.digest.localeCompare(b.digest)));
        expect(await store.backend.physicalSize()).toBe(71_001);
      });

      it('adopt takes a staged file whose size matches, and refuses a wrong size', async (ctx) => {
        if (!content.adopt || !content.stagingDir) ctx.skip();
        const dir = await content.stagingDir!();
        const bytes = randomBytes(5000);
        const staged = join(dir, `staged-${randomBytes(4).toString('hex')}`);
        await writeFile(staged, bytes);
        const info = { digest: sha256(bytes), size: bytes.length };
        expect(await codeOf(content.adopt!(staged, { ...info, size: 4999 }))).toBe('ERR_SIZE_MISMATCH');
        expect(await content.adopt!(staged, info)).toBe(true);
        expect(await content.stat(info.digest)).toEqual(info);
        expect((await readAll(await content.get(info.digest))).equals(bytes)).toBe(true);
      });

      it('beforeCommit runs once the bytes match, and a throw keeps nothing', async () => {
        const bytes = randomBytes(20_000);
        const info = { digest: sha256(bytes), size: bytes.length };
        let checked = 0;
        const refuse = async (): Promise<void> => {
          checked++;
          expect(await content.stat(info.digest)).toBeUndefined();
          throw new BerthError('ERR_DIGEST_MISMATCH', 'diffID mismatch');
        };
        expect(await codeOf(content.put(bytesStream(bytes), { ...info, beforeCommit: refuse }))).toBe('ERR_DIGEST_MISMATCH');
        expect(checked).toBe(1);
        expect(await listAll(content)).toEqual([]);
        // Bytes that do not match never reach the check.
        const wrong = { digest: sha256('other'), size: bytes.length };
        expect(await codeOf(content.put(bytesStream(bytes), { ...wrong, beforeCommit: refuse }))).toBe('ERR_DIGEST_MISMATCH');
        expect(checked).toBe(1);
      });

      it('resumable: a write cut off keeps a prefix, the next one continues to a verified blob', async (ctx) => {
        if (!content.resumable) ctx.skip();
        const bytes = randomBytes(4 << 20);
        const digest = sha256(bytes);
        const first = (await content.resumable!(digest))!;
        expect(first.kept).toBe(0);
        expect(await content.resumable!(digest)).toBeUndefined(); // one writer a blob
        const cut = Readable.from((async function* () {
          for (let at = 0; at < 3 << 20; at += 64 << 10) yield bytes.subarray(at, at + (64 << 10));
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw new Error('connection reset');
        })());
        await expect(first.put(cut, { size: bytes.length })).rejects.toThrow('connection reset');
        expect(await content.stat(digest)).toBeUndefined();
        const second = (await content.resumable!(digest))!;
        expect(second.kept).toBeGreaterThan(0);
        const kept = await readAll(second.readKept());
        expect(kept.equals(bytes.subarray(0, second.kept))).toBe(true);
        expect(await second.put(bytesStream(kept, bytes.subarray(second.kept)), { size: bytes.length })).toEqual({ digest, size: bytes.length });
        expect((await readAll(await content.get(digest))).equals(bytes)).toBe(true);
        const after = (await content.resumable!(digest))!;
        expect(after.kept).toBe(0);
        await after.release();
      });
    });

    describe('metadata', () => {
      it('a new store has no images and no tags', async () => {
        const snap = await store.backend.metadata.read();
        expect(snap.images.size).toBe(0);
        expect(snap.tags.size).toBe(0);
      });

      it('update persists images and tags, keeps untagged images, and returns what change returned', async () => {
        const a = await putContractImage(content, 'a');
        const b = await putContractImage(content, 'b');
        const returned = await store.backend.metadata.update((draft) => {
          addImage(draft, a, 'docker.io/library/a:1', 'docker.io/library/a:latest');
          addImage(draft, b);
          return 'done';
        });
        expect(returned).toBe('done');
        const snap = await store.backend.metadata.read();
        expect(snap.images.get(a.id)).toEqual(a);
        expect(snap.images.get(b.id)).toEqual(b);
        expect(Object.fromEntries(snap.tags)).toEqual({ 'docker.io/library/a:1': a.id, 'docker.io/library/a:latest': a.id });
      });

      it('a change that throws persists nothing and update rejects with its error', async () => {
        const a = await putContractImage(content, 'a');
        await store.backend.metadata.update((draft) => addImage(draft, a, 'docker.io/library/a:1'));
        const b = await putContractImage(content, 'b');
        const boom = new Error('change failed');
        await expect(store.backend.metadata.update((draft) => {
          addImage(draft, b, 'docker.io/library/b:1');
          draft.tags.delete('docker.io/library/a:1');
          throw boom;
        })).rejects.toBe(boom);
        const snap = await store.backend.metadata.read();
        expect([...snap.images.keys()]).toEqual([a.id]);
        expect(Object.fromEntries(snap.tags)).toEqual({ 'docker.io/library/a:1': a.id });
      });

      it('a tag naming an image that is not in the store is refused and nothing is persisted', async () => {
        const a = await putContractImage(content, 'a');
        const code = await codeOf(store.backend.metadata.update((draft) => {
          addImage(draft, a, 'docker.io/library/a:1');
          draft.tags.set('docker.io/library/ghost:1', sha256('no such image'));
        }));
        expect(code).toBe('ERR_INVALID_ARGUMENT');
        expect((await store.backend.metadata.read()).images.size).toBe(0);
      });

      it('a snapshot is a copy: changing it changes nothing in the store', async () => {
        const a = await putContractImage(content, 'a');
        await store.backend.metadata.update((draft) => addImage(draft, a, 'docker.io/library/a:1'));
        const snap = await store.backend.metadata.read();
        snap.tags.clear();
        snap.images.clear();
        expect((await store.backend.metadata.read()).tags.size).toBe(1);
      });

      it('afterCommit sees the committed and previous snapshots, runs after the commit is visible and before update resolves', async () => {
        const a = await putContractImage(content, 'a');
        const b = await putContractImage(content, 'b');
        await store.backend.metadata.update((draft) => addImage(draft, a, 'docker.io/library/a:1'));
        const log: string[] = [];
        await store.backend.metadata.update(
          (draft) => {
            log.push('change');
            draft.tags.delete('docker.io/library/a:1');
            draft.images.delete(a.id);
            addImage(draft, b, 'docker.io/library/b:1');
          },
          {
            afterCommit: async (committed, before) => {
              log.push('afterCommit');
              expect([...committed.images.keys()]).toEqual([b.id]);
              expect([...before.images.keys()]).toEqual([a.id]);
              expect(before.tags.get('docker.io/library/a:1')).toBe(a.id);
              // Already durable and visible to readers: blobs of `a` can go now.
              const visible = await store.backend.metadata.read();
              expect(visible.images.has(a.id)).toBe(false);
              expect(visible.tags.get('docker.io/library/b:1')).toBe(b.id);
            },
          },
        );
        log.push('resolved');
        expect(log).toEqual(['change', 'afterCommit', 'resolved']);
      });

      it('afterCommit is not called when change throws', async () => {
        let called = false;
        await expect(store.backend.metadata.update(() => {
          throw new Error('no');
        }, { afterCommit: async () => { called = true; } })).rejects.toThrow('no');
        expect(called).toBe(false);
      });

      it('afterCommit runs under the lock: a concurrent update waits for it to finish', async () => {
        const a = await putContractImage(content, 'a');
        const log: string[] = [];
        let releaseAfterCommit!: () => void;
        const held = new Promise<void>((resolve) => (releaseAfterCommit = resolve));
        let afterCommitStarted!: () => void;
        const started = new Promise<void>((resolve) => (afterCommitStarted = resolve));
        const first = store.backend.metadata.update((draft) => addImage(draft, a, 'docker.io/library/a:1'), {
          afterCommit: async () => {
            log.push('first afterCommit start');
            afterCommitStarted();
            await held;
            log.push('first afterCommit end');
          },
        });
        await started;
        const second = store.backend.metadata.update((draft) => {
          log.push('second change');
          draft.tags.set('docker.io/library/a:2', a.id);
        });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(log).toEqual(['first afterCommit start']);
        releaseAfterCommit();
        await Promise.all([first, second]);
        expect(log).toEqual(['first afterCommit start', 'first afterCommit end', 'second change']);
      });

      it('concurrent updates in one process are serialised: none is lost', async () => {
        const a = await putContractImage(content, 'a');
        await store.backend.metadata.update((draft) => addImage(draft, a));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.backend.metadata.update((draft) => {
          draft.tags.set(`docker.io/library/a:${i}`, a.id);
        })));
        expect((await store.backend.metadata.read()).tags.size).toBe(20);
      });

      it('two processes doing 50 updates each lose none of them', async (ctx) => {
        if (!store.child) ctx.skip();
        const spec = store.child!;
        const a = await putContractImage(content, 'a');
        await store.backend.metadata.update((draft) => addImage(draft, a));
        const body = `
          for (let i = 0; i < 50; i++) {
            await backend.metadata.update((draft) => { draft.tags.set('docker.io/library/cp:' + args.who + '-' + i, args.id); });
          }
          return (await backend.metadata.read()).tags.size;
        `;
        const children = ['p', 'q'].map((who) => spawnStoreProcess(spec, body, { who, id: a.id }));
        const seen = await Promise.all(children.map((c) => c.result));
        for (const n of seen) expect(n).toBeGreaterThanOrEqual(50);
        const snap = await store.backend.metadata.read();
        const expected = ['p', 'q'].flatMap((who) => Array.from({ length: 50 }, (_, i) => `docker.io/library/cp:${who}-${i}`));
        expect([...snap.tags.keys()].sort()).toEqual(expected.sort());
        for (const id of snap.tags.values()) expect(id).toBe(a.id as Digest);
      }, 120_000);
    });
  });
}
