// Garbage collection over a real store-fs store and berthd's registry face: what images, tags of
// indexes and artifacts, referrers and index.json reach is kept, young blobs are kept, the rest goes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { MediaType, type Digest } from '@berth/core';
import { openFsStore, type FsStore } from '@berth/store-fs';
import { rootfsTar } from '@berth/testkit';
import { buildServer } from '../server.js';
import { collectGarbage } from './gc.js';
import { ArtifactTags } from '../registry/artifact-tags.js';
import { RepositoryBlobs } from '../registry/repository-blobs.js';
import { parseRepositoryName } from '../registry/repository-name.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const HOUR = 60 * 60 * 1000;

let dir: string;
let root: string;
let store: FsStore;
let app: FastifyInstance;
let layer: Buffer;
let config: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-gc-'));
  root = join(dir, 'root');
  store = await openFsStore({ root });
  app = await buildServer({ backend: store, root, logLevel: false });
  const tree = join(dir, 'tree');
  await mkdir(tree);
  await writeFile(join(tree, 'hello.txt'), 'hello gc\n');
  layer = await readFile(await rootfsTar(tree, join(dir, 'layer.tar')));
  config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
});

afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function pushBlob(repo: string, data: Buffer): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, payload: data, headers: { 'content-type': 'application/octet-stream' } });
  expect(res.statusCode).toBe(201);
  return sha(data);
}

async function putManifest(repo: string, ref: string, doc: object, mediaType: string): Promise<string> {
  const body = Buffer.from(JSON.stringify(doc));
  const res = await app.inject({ method: 'PUT', url: `/v2/${repo}/manifests/${ref}`, payload: body, headers: { 'content-type': mediaType } });
  expect(res.statusCode, res.body).toBe(201);
  return sha(body);
}

/** Every blob in the store ages by `ms` (as if written that long ago). */
async function age(ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  for await (const b of store.content.list()) await utimes(join(root, 'blobs', 'sha256', b.digest.slice(7)), t, t);
}

const blobs = async (): Promise<Set<string>> => {
  const out = new Set<string>();
  for await (const b of store.content.list()) out.add(b.digest);
  return out;
};

const manifestOf = (cfg: Buffer, lay: Buffer): object => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: sha(cfg), size: cfg.length },
  layers: [{ mediaType: MediaType.OciLayer, digest: sha(lay), size: lay.length }],
});

describe('berthd gc', () => {
  it('keeps what images, tagged indexes and artifacts, and referrers reach; deletes old orphans only', async () => {
    await pushBlob('team/app', layer);
    await pushBlob('team/app', config);
    const image = await putManifest('team/app', '1', manifestOf(config, layer), MediaType.OciManifest);
    // An index tagged in another repository, naming a manifest pushed by digest only.
    const cfg2 = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
    await pushBlob('team/multi', cfg2);
    await pushBlob('team/multi', layer);
    const byDigest = Buffer.from(JSON.stringify(manifestOf(cfg2, layer)));
    await putManifest('team/multi', sha(byDigest), manifestOf(cfg2, layer), MediaType.OciManifest);
    const index = await putManifest('team/multi', 'v1', { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: sha(byDigest), size: byDigest.length, platform: { architecture: 'arm64', os: 'linux' } }] }, MediaType.OciIndex);
    // A referrer (signature-like artifact) of the image, untagged: kept by the referrers list.
    const sig = Buffer.from('signature bytes');
    await pushBlob('team/app', sig);
    const emptyCfg = Buffer.from('{}');
    await pushBlob('team/app', emptyCfg);
    const artifact = {
      schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/vnd.example.sig',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(emptyCfg), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha(sig), size: sig.length }],
      subject: { mediaType: MediaType.OciManifest, digest: image, size: JSON.stringify(manifestOf(config, layer)).length },
    };
    const referrer = await putManifest('team/app', sha(JSON.stringify(artifact)), artifact, MediaType.OciManifest);
    // Orphans: an upload whose manifest never came.
    const orphan = await pushBlob('team/app', Buffer.from('nobody names me'));
    const before = await blobs();
    expect(before.has(orphan)).toBe(true);

    // Young: the orphan could be a push in progress, so nothing goes.
    const young = await collectGarbage({ backend: store, root });
    expect(young.deleted).toEqual([]);
    expect(young.young).toBe(1);

    await age(2 * HOUR);
    const dry = await collectGarbage({ backend: store, root, dryRun: true });
    expect(dry.deleted.map((d) => d.digest)).toEqual([orphan]);
    expect(await blobs()).toEqual(before);

    const real = await collectGarbage({ backend: store, root });
    expect(real.deleted).toEqual([{ digest: orphan, size: 'nobody names me'.length }]);
    expect(real.reclaimed).toBe('nobody names me'.length);
    const after = await blobs();
    for (const d of [image, sha(config), sha(layer), index, sha(byDigest), sha(cfg2), referrer, sha(sig), sha(emptyCfg)]) expect(after.has(d), d).toBe(true);
    expect(after.has(orphan)).toBe(false);
    // Everything still serves.
    expect((await app.inject({ method: 'GET', url: '/v2/team/multi/manifests/v1', headers: { accept: MediaType.OciIndex } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/v2/team/app/referrers/${image}` })).json().manifests).toHaveLength(1);
  });

  it('an upload finishing while gc runs keeps its blob until the manifest arrives', async () => {
    await age(2 * HOUR);
    // gc and an upload race; the blob is young either way, so the manifest push that follows works.
    const [, layerDigest] = await Promise.all([collectGarbage({ backend: store, root }), pushBlob('team/race', layer)]);
    await pushBlob('team/race', config);
    await collectGarbage({ backend: store, root });
    expect((await blobs()).has(layerDigest)).toBe(true);
    await putManifest('team/race', '1', manifestOf(config, layer), MediaType.OciManifest);
    await age(2 * HOUR);
    expect((await collectGarbage({ backend: store, root })).deleted).toEqual([]);
  });

  it('an old orphan that a push finds present (HEAD or a mount) is young again until its manifest arrives', async () => {
    const layerDigest = await pushBlob('team/old', layer);
    const configDigest = await pushBlob('team/old', config);
    await age(2 * HOUR);
    // A later push asks first, skips the upload of the layer, and mounts the config.
    expect((await app.inject({ method: 'HEAD', url: `/v2/team/new/blobs/${layerDigest}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/v2/team/new/blobs/uploads/?mount=${configDigest}&from=team/old` })).statusCode).toBe(201);
    expect((await collectGarbage({ backend: store, root })).deleted).toEqual([]);
    await putManifest('team/new', '1', manifestOf(config, layer), MediaType.OciManifest);
    // Without the pushes, the same orphans go.
    await pushBlob('team/other', Buffer.from('an orphan'));
    await age(2 * HOUR);
    expect((await collectGarbage({ backend: store, root })).deleted.map((d) => d.digest)).toEqual([sha('an orphan')]);
  });

  it('keeps what index.json names even when berth made no record of it (another tool wrote it)', async () => {
    const data = Buffer.from('a blob only index.json reaches');
    const d = (await store.content.put(Readable.from([data]))).digest;
    const cfgDigest = (await store.content.put(Readable.from([config]))).digest;
    const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: 'application/vnd.example', digest: cfgDigest, size: config.length }, layers: [{ mediaType: 'application/octet-stream', digest: d, size: data.length }] }));
    const m = (await store.content.put(Readable.from([man]))).digest;
    const indexPath = join(root, 'index.json');
    const idx = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: object[] };
    idx.manifests.push({ mediaType: MediaType.OciManifest, digest: m, size: man.length });
    await writeFile(indexPath, JSON.stringify(idx));
    await age(2 * HOUR);
    expect((await collectGarbage({ backend: store, root })).deleted).toEqual([]);
    expect(await blobs()).toEqual(new Set([d, cfgDigest, m]));
  });

  it("drops a deleted blob's repository links, so a later re-upload elsewhere does not reopen it to the old repository", async () => {
    const links = new RepositoryBlobs(store, new ArtifactTags(join(root, 'berthd')), join(root, 'berthd'));
    const repo = parseRepositoryName('team/old');
    const orphan = await pushBlob('team/old', Buffer.from('uploaded, never named'));
    await links.link(repo, orphan as Digest);
    expect(await links.holds(repo, orphan)).toBe(true);
    await age(2 * HOUR);
    expect((await collectGarbage({ backend: store, root, dryRun: true })).deleted).toHaveLength(1);
    expect(await links.holds(repo, orphan), 'a dry run keeps the link').toBe(true);
    expect((await collectGarbage({ backend: store, root })).deleted.map((d) => d.digest)).toEqual([orphan]);
    await pushBlob('team/other', Buffer.from('uploaded, never named'));
    expect(await links.holds(repo, orphan)).toBe(false);
  });
});
