// Two processes load, tag and remove images in one store at once, 20 rounds, their images sharing
// a layer that each side keeps deleting: no tag is lost, no partial or orphaned blob is left, and
// skopeo still reads every tag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, run, skopeo } from '@berth/testkit';
import { BERTH_BIN, newStore, type Store } from './support/berth.js';

const ROUNDS = 20;
let work: string;
let store: Store;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'concurrency-'));
  const rootfs = await busyboxRootfs(join(work, 'rootfs'));
  const tarPath = await rootfsTar(rootfs, join(work, 'rootfs.tar'));
  // The temp images of both sides share a layer no kept image has: each rmi of one side's temp
  // image deletes it unless the other side's copy is committed, the race this test is about.
  await writeFile(join(rootfs, 'temp.txt'), 'temp layer\n');
  const tempTar = await rootfsTar(rootfs, join(work, 'temp-rootfs.tar'));
  // Archives of images that share the busybox layer, made in a scratch store.
  const scratch = await newStore('berth-scratch-');
  for (const side of ['p1', 'p2']) {
    await scratch.ok(['import', '-m', `${side} keep`, tarPath, `${side}/keep:src`]);
    await scratch.ok(['import', '-m', `${side} temp`, tempTar, `${side}/temp:src`]);
    await scratch.ok(['save', '-o', join(work, `${side}-keep.tar`), `${side}/keep:src`]);
    await scratch.ok(['save', '-o', join(work, `${side}-temp.tar`), `${side}/temp:src`]);
  }
  await scratch.cleanup();
  store = await newStore();
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

function worker(side: string): string {
  // Each round: load both archives, keep a new tag, remove the temp image entirely (which would
  // delete the shared layer if nothing else used it), and untag the source name.
  const b = `${JSON.stringify(process.execPath)} ${JSON.stringify(BERTH_BIN)}`;
  return [
    'set -e',
    `for r in $(seq 1 ${ROUNDS}); do`,
    `  ${b} load -q -i ${join(work, `${side}-keep.tar`)}`,
    `  ${b} load -q -i ${join(work, `${side}-temp.tar`)}`,
    `  ${b} tag ${side}/keep:src ${side}/keep:r$r`,
    `  ${b} rmi ${side}/temp:src`,
    `  ${b} rmi ${side}/keep:src`,
    'done',
  ].join('\n');
}

describe('two processes on one store', () => {
  it(`keeps every tag and every blob whole over ${ROUNDS} rounds`, async () => {
    const scripts = await Promise.all(['p1', 'p2'].map(async (side) => {
      const path = join(work, `${side}.sh`);
      await writeFile(path, worker(side));
      return path;
    }));
    const results = await Promise.all(scripts.map((s) => run('bash', [s], { env: { ...process.env, BERTH_ROOT: store.root }, timeoutMs: 600_000 })));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const tags = (await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim().split('\n').sort();
    const expected = ['p1', 'p2'].flatMap((side) => Array.from({ length: ROUNDS }, (_, i) => `${side}/keep:r${i + 1}`)).sort();
    expect(tags).toEqual(expected);

    // Every blob is whole (its bytes hash to its name) and referenced; nothing is left in temp.
    const index = JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    const referenced = new Set<string>();
    for (const m of index.manifests) {
      referenced.add(m.digest);
      const manifest = JSON.parse(await readFile(join(store.root, 'blobs', 'sha256', m.digest.slice(7)), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
      referenced.add(manifest.config.digest);
      for (const l of manifest.layers) referenced.add(l.digest);
    }
    const blobs = await readdir(join(store.root, 'blobs', 'sha256'));
    for (const hex of blobs) {
      expect(referenced.has(`sha256:${hex}`), `orphaned blob ${hex}`).toBe(true);
      expect(createHash('sha256').update(await readFile(join(store.root, 'blobs', 'sha256', hex))).digest('hex')).toBe(hex);
    }
    for (const d of referenced) expect(blobs.includes(d.slice(7)), `missing blob ${d}`).toBe(true);
    const leftovers = await readdir(join(store.root, 'berth', 'tmp')).catch(() => []);
    expect(leftovers).toEqual([]);

    for (const tag of expected) {
      const r = await skopeo(['inspect', `oci:${store.root}:docker.io/${tag}`]);
      expect(r.code, `${tag}: ${r.stderr}`).toBe(0);
    }
  });
});
