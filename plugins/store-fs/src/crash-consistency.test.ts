// kill -9 at random moments while two processes ingest blobs and commit images: the store must
// still read, every blob in blobs/ must be complete, and every image must still have its blobs.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { spawnStoreProcess, type ChildStoreSpec } from '@berth/testkit';
import { openFsStore } from './index.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-crash-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

// Runs until killed: put blobs of up to 2 MB, commit an image with a tag, and every third round
// remove the oldest image and delete its blobs after the commit, as `rmi` does.
const WORKER = `
  const { Readable } = await import('node:stream');
  const { randomBytes } = await import('node:crypto');
  const put = (buf) => backend.content.put(Readable.from([buf]));
  for (let n = 1; ; n++) {
    const layer = await put(randomBytes(Math.floor(Math.random() * 2_000_000)));
    const config = await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux',
      config: { Labels: { who: args.who, n: String(n) } }, rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
    const layerDesc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size };
    const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size };
    const manifest = await put(Buffer.from(JSON.stringify({ schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers: [layerDesc] })));
    const record = { id: config.digest, config: configDesc, platform: { architecture: 'amd64', os: 'linux' }, created: '',
      manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest.digest, size: manifest.size },
      size: layer.size, labels: {}, repoDigests: [],
      layers: [{ digest: layer.digest, mediaType: layerDesc.mediaType, blobSize: layer.size, diffID: layer.digest, tarSize: layer.size, size: layer.size }] };
    await backend.metadata.update((draft) => {
      draft.images.set(record.id, record);
      draft.tags.set('docker.io/library/crash:' + args.who + '-' + n, record.id);
      if (n % 3 === 0) {
        const oldest = [...draft.images.keys()][0];
        for (const [tag, id] of draft.tags) if (id === oldest) draft.tags.delete(tag);
        draft.images.delete(oldest);
      }
    }, {
      afterCommit: async (committed, before) => {
        const live = new Set();
        for (const image of committed.images.values()) {
          live.add(image.manifest.digest); live.add(image.config.digest);
          for (const l of image.layers) live.add(l.digest);
        }
        for (const image of before.images.values()) {
          for (const d of [image.manifest.digest, image.config.digest, ...image.layers.map((l) => l.digest)]) {
            if (!live.has(d)) await backend.content.delete(d);
          }
        }
      },
    });
    process.stderr.write('committed\\n');
  }
`;

/** `working` resolves once the worker has committed an image, so the kill lands in the middle of work. */
function startWorker(spec: ChildStoreSpec, who: string): { working: Promise<void>; kill: () => Promise<void> } {
  const { child, result } = spawnStoreProcess(spec, WORKER, { who });
  result.catch(() => {}); // it dies of SIGKILL: that is the point
  const working = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('committed')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`worker ${who} exited early with ${code ?? signal}`)));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    working,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

it('survives kill -9 at random moments: the store reads, blobs are complete, images have their blobs', async () => {
  const spec: ChildStoreSpec = {
    module: here('./index.ts'),
    exportName: 'openFsStore',
    // A short staleness so the next round takes over a lock a killed worker held.
    options: { root, lock: { staleMs: 2000 } },
    alias: { '@berth/core': here('../../../packages/core/src/index.ts') },
  };
  await openFsStore({ root });
  for (let round = 0; round < 4; round++) {
    const workers = ['p', 'q'].map((who) => startWorker(spec, `${who}${round}`));
    await Promise.all(workers.map((w) => w.working));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1500));
    await Promise.all(workers.map((w) => w.kill()));
  }

  const store = await openFsStore({ root, lock: { staleMs: 2000 } });
  const snapshot = await store.metadata.read();
  expect(snapshot.tags.size).toBeGreaterThan(0);
  const blobDir = join(root, 'blobs', 'sha256');
  const names = new Set(await readdir(blobDir));
  for (const name of names) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(join(blobDir, name)), hash);
    expect(hash.digest('hex'), `blob ${name} is complete`).toBe(name);
  }
  for (const image of snapshot.images.values()) {
    for (const d of [image.manifest.digest, image.config.digest, ...image.layers.map((l) => l.digest)]) {
      expect(names.has(d.slice('sha256:'.length)), `${d} of image ${image.id} is present`).toBe(true);
    }
  }
  for (const id of snapshot.tags.values()) expect(snapshot.images.has(id)).toBe(true);
  // And it still takes updates: the lock a killed worker held goes stale and is taken over.
  await store.metadata.update((draft) => draft.tags.clear());
  expect((await store.metadata.read()).tags.size).toBe(0);
}, 180_000);
