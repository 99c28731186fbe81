import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { extract, pack, type Header } from 'tar-stream';
import { createDockerArchiveDestination } from './docker-archive-destination.js';
import { openArchiveSource } from './archive-source.js';
import { MediaType } from '../media-types.js';
import type { Descriptor } from '../manifest.js';
import type { Digest } from '../digest.js';

async function tarOf(entries: Array<{ name: string; body: string }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => p.on('end', r));
  for (const { name, body } of entries) p.entry({ name, mtime: new Date(0) }, body);
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const digestOf = (b: Buffer | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const desc = (mediaType: string, b: Buffer | string): Descriptor => ({ mediaType, digest: digestOf(b), size: Buffer.byteLength(b) });

interface TestImage { layers: Buffer[]; config: string; manifest: Buffer }
function imageOf(layers: Buffer[], created: string): TestImage {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', created, rootfs: { type: 'layers', diff_ids: layers.map(digestOf) } });
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: desc(MediaType.OciConfig, config), layers: layers.map((l) => desc(MediaType.OciLayer, l)) }));
  return { layers, config, manifest };
}

async function writeArchive(images: Array<{ image: TestImage; names: string[] }>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const dst = createDockerArchiveDestination(out, { now: () => new Date('2025-05-05T05:05:05Z') });
  for (const { image, names } of images) {
    for (const l of image.layers) {
      const d = desc(MediaType.OciLayer, l);
      if (!(await dst.hasBlob(d))) await dst.putBlob(d, Readable.from([l]));
    }
    await dst.putBlob(desc(MediaType.OciConfig, image.config), Readable.from([Buffer.from(image.config)]));
    await dst.putManifest({ bytes: image.manifest, mediaType: MediaType.OciManifest, digest: digestOf(image.manifest) }, names);
  }
  await dst.commit();
  return Buffer.concat(chunks);
}

async function entriesOf(tar: Buffer): Promise<Array<{ header: Header; body: Buffer }>> {
  const ex = extract();
  const out: Array<{ header: Header; body: Buffer }> = [];
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => { out.push({ header, body: Buffer.concat(chunks) }); next(); });
  });
  const done = new Promise((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); });
  ex.end(tar);
  await done;
  return out;
}

let staging: string;
beforeEach(async () => { staging = await mkdtemp(join(tmpdir(), 'berth-save-')); });
afterEach(async () => { await rm(staging, { recursive: true, force: true }); });

describe('docker-archive destination', () => {
  it('writes the Docker 25+ layout: order, modes, mtimes, manifest.json, repositories, index.json', async () => {
    const base = await tarOf([{ name: 'etc/os', body: 'berth' }]);
    const app = await tarOf([{ name: 'app', body: 'code' }]);
    const a = imageOf([base], '2024-01-01T00:00:00Z');
    const b = imageOf([base, app], '2024-06-01T00:00:00Z');
    const tar = await writeArchive([{ image: a, names: ['docker.io/library/bb:1', 'docker.io/library/bb:10', 'docker.io/library/bb:9'] }, { image: b, names: ['localhost:5000/x:y', 'docker.io/library/x@sha256:' + 'f'.repeat(64)] }]);
    const entries = await entriesOf(tar);
    const hexOf = (d: Digest) => d.slice(7);
    // Shared blobs are written once.
    expect(entries.filter((e) => e.header.name === `blobs/sha256/${hexOf(digestOf(base))}`)).toHaveLength(1);
    expect(entries.map((e) => e.header.name).slice(-4)).toEqual(['index.json', 'manifest.json', 'oci-layout', 'repositories']);
    expect(entries.slice(0, 2).map((e) => [e.header.name, e.header.type, e.header.mode])).toEqual([['blobs', 'directory', 0o755], ['blobs/sha256', 'directory', 0o755]]);
    for (const e of entries.slice(2)) expect([e.header.name, e.header.mode, e.header.uid, e.header.gid]).toEqual([e.header.name, 0o644, 0, 0]);
    const byName = new Map(entries.map((e) => [e.header.name, e]));
    expect(byName.get(`blobs/sha256/${hexOf(digestOf(a.config))}`)!.header.mtime).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect(byName.get(`blobs/sha256/${hexOf(digestOf(a.manifest))}`)!.header.mtime).toEqual(new Date(0));
    for (const n of ['manifest.json', 'oci-layout', 'repositories']) expect(byName.get(n)!.header.mtime).toEqual(new Date(0));
    expect(byName.get('index.json')!.header.mtime).toEqual(new Date('2025-05-05T05:05:05Z'));

    expect(byName.get('oci-layout')!.body.toString()).toBe('{"imageLayoutVersion": "1.0.0"}');
    expect(byName.get('manifest.json')!.body.toString()).toBe(`${JSON.stringify([
      { Config: `blobs/sha256/${hexOf(digestOf(a.config))}`, RepoTags: ['bb:1', 'bb:10', 'bb:9'], Layers: [`blobs/sha256/${hexOf(digestOf(base))}`] },
      { Config: `blobs/sha256/${hexOf(digestOf(b.config))}`, RepoTags: ['localhost:5000/x:y'], Layers: [`blobs/sha256/${hexOf(digestOf(base))}`, `blobs/sha256/${hexOf(digestOf(app))}`] },
    ])}\n`);
    // Go sorts map keys as strings: "1" < "10" < "9".
    expect(byName.get('repositories')!.body.toString()).toBe(`{"bb":{"1":"${hexOf(digestOf(base))}","10":"${hexOf(digestOf(base))}","9":"${hexOf(digestOf(base))}"},"localhost:5000/x":{"y":"${hexOf(digestOf(app))}"}}\n`);
    const index = JSON.parse(byName.get('index.json')!.body.toString());
    expect(index.mediaType).toBe(MediaType.OciIndex);
    expect(index.manifests).toHaveLength(4);
    expect(index.manifests[3]).toEqual({ mediaType: MediaType.OciManifest, digest: digestOf(b.manifest), size: b.manifest.length, annotations: { 'io.containerd.image.name': 'localhost:5000/x:y', 'org.opencontainers.image.ref.name': 'y' } });
  });

  it('round-trips through the archive reader, untagged images included', async () => {
    const layer = await tarOf([{ name: 'f', body: 'round trip' }]);
    const img = imageOf([layer], '2024-01-01T00:00:00Z');
    const other = imageOf([await tarOf([{ name: 'g', body: 'untagged' }])], '2024-01-02T00:00:00Z');
    const tar = await writeArchive([{ image: img, names: ['docker.io/library/rt:1'] }, { image: other, names: [] }]);
    const src = await openArchiveSource(Readable.from([tar]), { stagingDir: staging });
    const images = await src.images();
    expect(images.map((i) => i.names)).toEqual([['docker.io/library/rt:1'], []]);
    // The reader rebuilds Docker's manifest from manifest.json: the very bytes we wrote.
    expect(images[0]!.descriptor.digest).toBe(digestOf(img.manifest));
    expect(src.layerStats(digestOf(layer))).toMatchObject({ diffID: digestOf(layer), size: 10 });
    await src.close();
    expect(await readdir(staging)).toEqual([]);
  });

  it('a blob whose bytes do not match its digest fails the whole archive', async () => {
    const out = new PassThrough();
    out.resume();
    const dst = createDockerArchiveDestination(out);
    const good = Buffer.from('good layer bytes');
    await expect(dst.putBlob({ ...desc(MediaType.OciLayer, good), digest: digestOf('something else') }, Readable.from([good]))).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    await expect(dst.putBlob(desc(MediaType.OciLayer, good), Readable.from([good]))).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    await expect(dst.commit()).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    expect(out.destroyed).toBe(true);
  });

  it('refuses a short blob, compressed layers and an index', async () => {
    const mk = () => { const out = new PassThrough(); out.resume(); return createDockerArchiveDestination(out); };
    const body = Buffer.from('0123456789');
    await expect(mk().putBlob({ ...desc(MediaType.OciLayer, body), size: 20 }, Readable.from([body]))).rejects.toMatchObject({ code: 'ERR_SIZE_MISMATCH' });
    const dst = mk();
    const layer = Buffer.from('gz-ish');
    await dst.putBlob(desc(MediaType.OciLayerGzip, layer), Readable.from([layer]));
    const cfg = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
    await dst.putBlob(desc(MediaType.OciConfig, cfg), Readable.from([Buffer.from(cfg)]));
    const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: desc(MediaType.OciConfig, cfg), layers: [desc(MediaType.OciLayerGzip, layer)] }));
    await expect(dst.putManifest({ bytes: m, mediaType: MediaType.OciManifest, digest: digestOf(m) }, [])).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    const idx = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
    await expect(mk().putManifest({ bytes: idx, mediaType: MediaType.OciIndex, digest: digestOf(idx) }, [])).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
  });

  // skopeo is a peer the suite needs (.ci/install-peers installs it): missing, this fails.
  it('skopeo reads the archive as a docker-archive and copies it to an OCI archive we read back', async () => {
    const layer = await tarOf([{ name: 'hello', body: 'from berth' }]);
    const img = imageOf([layer], '2024-01-01T00:00:00Z');
    const file = join(staging, 'x.tar');
    await writeFile(file, await writeArchive([{ image: img, names: ['docker.io/library/sk:1'] }]));
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${file}`], { encoding: 'utf8' }));
    expect(inspected.Layers).toEqual([digestOf(layer)]);
    const oci = join(staging, 'oci.tar');
    execFileSync('skopeo', ['copy', '-q', `docker-archive:${file}`, `oci-archive:${oci}:1.0`]);
    const workdir = join(staging, 'w');
    execFileSync('mkdir', [workdir]);
    const src = await openArchiveSource(Readable.from([execFileSync('cat', [oci], { maxBuffer: 1 << 26 })]), { stagingDir: workdir });
    const [image] = await src.images();
    expect(image).toMatchObject({ names: [], refName: '1.0' });
    await src.close();
    expect(await readdir(workdir)).toEqual([]);
  });
});
