// kill -9 of berthd during four concurrent pushes: after a restart on the same root, every manifest
// that had been acknowledged is intact and readable, no blob is corrupt, and the retried pushes complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomImageFiles, rootfsTar, skopeo } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';

const IMAGES = 4;

let work: string;
let source: Store;
let served: Store;
let berthd: Berthd | undefined;
const ids: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'server-crash-'));
  source = await newStore('berthd-crash-src-');
  served = await newStore('berthd-crash-root-');
  for (let i = 0; i < IMAGES; i++) {
    // Two small images that finish first, two of 24 MiB incompressible bytes still streaming at the kill.
    const big = i >= 2;
    const files = await randomImageFiles(join(work, `tree${i}`), { files: big ? 3 : 1, bytes: big ? 8 * 1024 * 1024 : 256 * 1024, seed: `crash-${i}` });
    const tar = await rootfsTar(files.dir, join(work, `layer${i}.tar`));
    ids.push((await source.ok(['import', tar, `crash/i${i}:1`])).trim());
  }
});

afterAll(async () => {
  await berthd?.stop();
  await Promise.all([source?.cleanup(), served?.cleanup()]);
  await rm(work, { recursive: true, force: true });
});

function push(i: number, host: string) {
  return skopeo(['copy', '--dest-tls-verify=false', `oci:${source.root}:docker.io/crash/i${i}:1`, `docker://${host}/crash/i${i}:1`], { timeoutMs: 120_000 });
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

async function fetchDigest(url: string, accept?: string): Promise<string> {
  const res = await fetch(url, accept ? { headers: { accept } } : {});
  expect(res.status, url).toBe(200);
  return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
}

describe('berthd killed with SIGKILL during concurrent pushes', () => {
  it('keeps every acknowledged manifest intact, no corrupt blob, and retried pushes complete', async () => {
    berthd = await startBerthd(served.root);
    const host = berthd.host;
    const pushes = Array.from({ length: IMAGES }, (_, i) => push(i, host));
    // Kill once the small pushes were acknowledged, while the big ones are streaming.
    await Promise.all(pushes.slice(0, 2));
    berthd.child.kill('SIGKILL');
    await berthd.stop();
    const results = await Promise.all(pushes);
    const acknowledged = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
    // The kill must have interrupted at least one push, or this test proves nothing.
    expect(acknowledged.length).toBeLessThan(IMAGES);
    expect(acknowledged).toEqual([0, 1]);

    berthd = await startBerthd(served.root);
    const base = berthd.url;
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
    for (const i of acknowledged) {
      const res = await fetch(`${base}/v2/crash/i${i}/manifests/1`, { headers: { accept } });
      expect(res.status).toBe(200);
      const manifest = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
      expect(manifest.config.digest).toBe(ids[i]);
      for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
        expect(await fetchDigest(`${base}/v2/crash/i${i}/blobs/${d}`)).toBe(d);
      }
    }
    // Every blob the store holds hashes to its name: nothing half-written became visible.
    const blobs = join(served.root, 'blobs', 'sha256');
    for (const name of await readdir(blobs)) expect(await sha256File(join(blobs, name))).toBe(name);

    const retried = await Promise.all(Array.from({ length: IMAGES }, (_, i) => (acknowledged.includes(i) ? undefined : push(i, berthd!.host))));
    for (const r of retried) if (r) expect(r.code, r.stderr).toBe(0);
    const rows = (await served.ok(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).trim().split('\n').sort();
    expect(rows).toEqual(ids.map((id, i) => `crash/i${i}:1 ${id}`));
  });
});
