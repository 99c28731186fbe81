import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import { tarOf, type Entry } from '../layer/tar-fixture.test-support.js';
import { openArchiveSource } from './archive-source.js';
import { MediaType } from '../media-types.js';
import { parseManifest } from '../manifest.js';


const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const configFor = (layers: Buffer[], created = '2024-01-02T03:04:05Z') => JSON.stringify({
  architecture: 'amd64', os: 'linux', created, config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${hex(l)}`) },
});

let staging: string;
beforeEach(async () => {
  staging = await mkdtemp(join(tmpdir(), 'berth-archive-'));
});
afterEach(async () => {
  await rm(staging, { recursive: true, force: true });
});

const open = (b: Buffer) => openArchiveSource(Readable.from([b]), { stagingDir: staging });
describe('openArchiveSource: docker save layouts', () => {
  it('old layout: a symlinked layer.tar resolves inside the archive, two images share the base layer', async () => {
    const base = await tarOf([{ name: 'etc/', type: 'directory' }, { name: 'etc/os', body: 'berth\n' }]);
    const top = await tarOf([{ name: 'app', body: 'x'.repeat(1000) }, { name: 'link', type: 'symlink', linkname: 'app' }]);
    const cfgA = configFor([base]);
    const cfgB = configFor([base, top], '2024-02-02T00:00:00Z');
    const [a1, b1, b2] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    const archive = await tarOf([
      { name: `${a1}/`, type: 'directory' },
      { name: `${a1}/VERSION`, body: '1.0' },
      { name: `${a1}/json`, body: '{}' },
      { name: `${a1}/layer.tar`, body: base },
      { name: `${b1}/`, type: 'directory' },
      { name: `${b1}/layer.tar`, type: 'symlink', linkname: `../${a1}/layer.tar` },
      { name: `${b2}/layer.tar`, body: top },
      { name: `${hex(cfgA)}.json`, body: cfgA },
      { name: `${hex(cfgB)}.json`, body: cfgB },
      { name: 'manifest.json', body: JSON.stringify([
        { Config: `${hex(cfgA)}.json`, RepoTags: ['bb:1'], Layers: [`${a1}/layer.tar`] },
        { Config: `${hex(cfgB)}.json`, RepoTags: ['localhost:5000/x/y:z', 'user/repo'], Layers: [`${b1}/layer.tar`, `${b2}/layer.tar`] },
      ]) },
      { name: 'repositories', body: '{}' },
    ]);
    const src = await open(archive);
    expect(src.format).toBe('docker');
    const images = await src.images();
    expect(images.map((i) => i.names)).toEqual([['docker.io/library/bb:1'], ['localhost:5000/x/y:z', 'docker.io/user/repo:latest']]);
    const m = await src.getManifest(images[1]!.descriptor.digest);
    expect(m.digest).toBe(`sha256:${hex(m.bytes)}`);
    const parsed = parseManifest(m.bytes, m.mediaType);
    if (parsed.kind !== 'manifest') throw new Error('expected a manifest');
    expect(parsed.manifest.config).toEqual({ mediaType: MediaType.OciConfig, digest: `sha256:${hex(cfgB)}`, size: cfgB.length });
    expect(parsed.manifest.layers).toEqual([
      { mediaType: MediaType.OciLayer, digest: `sha256:${hex(base)}`, size: base.length },
      { mediaType: MediaType.OciLayer, digest: `sha256:${hex(top)}`, size: top.length },
    ]);
    // The layer was read once, while staging: stats are there without another read.
    expect(src.layerStats(`sha256:${hex(top)}`)).toEqual({ diffID: `sha256:${hex(top)}`, tarSize: top.length, size: 1000 + 3 });
    expect(src.knownLayer(`sha256:${hex(base)}`)).toMatchObject({ size: 6 });
    expect(await readAll(await src.getBlob(parsed.manifest.layers[1]!))).toEqual(top);
    expect(await readAll(await src.getBlob(parsed.manifest.layers[1]!, { offset: 10 }))).toEqual(top.subarray(10));
    const path = src.localBlobPath(`sha256:${hex(cfgB)}`)!;
    expect(await readFile(path, 'utf8')).toBe(cfgB);
    await src.close();
    expect(await readdir(staging)).toEqual([]);
  });

  it('Docker 25+ layout: the manifest rebuilt from manifest.json is byte for byte the blob Docker wrote', async () => {
    const layer = await tarOf([{ name: 'f', body: 'hello' }]);
    const cfg = configFor([layer]);
    // What moby's save.go json.Marshal-s for ocispec.Manifest: schemaVersion, mediaType, config, layers.
    const dockerManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${hex(cfg)}","size":${cfg.length}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:${hex(layer)}","size":${layer.length}}]}`;
    const archive = await tarOf([
      { name: 'blobs/', type: 'directory' },
      { name: 'blobs/sha256/', type: 'directory' },
      { name: `blobs/sha256/${hex(cfg)}`, body: cfg },
      { name: `blobs/sha256/${hex(dockerManifest)}`, body: dockerManifest },
      { name: `blobs/sha256/${hex(layer)}`, body: layer },
      { name: 'index.json', body: JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: `sha256:${hex(dockerManifest)}`, size: dockerManifest.length, annotations: { 'io.containerd.image.name': 'docker.io/library/bb:1', 'org.opencontainers.image.ref.name': '1' } }] }) },
      { name: 'manifest.json', body: `${JSON.stringify([{ Config: `blobs/sha256/${hex(cfg)}`, RepoTags: ['bb:1'], Layers: [`blobs/sha256/${hex(layer)}`] }])}\n` },
      { name: 'oci-layout', body: '{"imageLayoutVersion": "1.0.0"}' },
      { name: 'repositories', body: `{"bb":{"1":"${hex(layer)}"}}\n` },
    ]);
    const src = await open(archive);
    const [image] = await src.images();
    expect(image).toMatchObject({ names: ['docker.io/library/bb:1'], descriptor: { digest: `sha256:${hex(dockerManifest)}` } });
    await src.close();
  });

  it('reads a gzip-compressed archive and gzip layers inside it', async () => {
    const layer = await tarOf([{ name: 'f', body: 'gz' }]);
    const gzLayer = gzipSync(layer);
    const cfg = configFor([layer]);
    const archive = gzipSync(await tarOf([
      { name: 'l.tar.gz', body: gzLayer },
      { name: 'c.json', body: cfg },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l.tar.gz'] }]) },
    ]));
    const src = await open(archive);
    const [image] = await src.images();
    expect(image!.names).toEqual([]);
    const parsed = parseManifest((await src.getManifest(image!.descriptor.digest)).bytes);
    expect(parsed.kind === 'manifest' && parsed.manifest.layers[0]).toEqual({ mediaType: MediaType.OciLayerGzip, digest: `sha256:${hex(gzLayer)}`, size: gzLayer.length });
    expect(src.layerStats(`sha256:${hex(gzLayer)}`)).toMatchObject({ diffID: `sha256:${hex(layer)}`, tarSize: layer.length, size: 2 });
    await src.close();
  });
});

describe('openArchiveSource: OCI archives', () => {
  async function ociArchive(annotations: Record<string, string>): Promise<Buffer> {
    const layer = await tarOf([{ name: 'f', body: 'oci' }]);
    const gz = gzipSync(layer);
    const cfg = configFor([layer]);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: `sha256:${hex(cfg)}`, size: cfg.length }, layers: [{ mediaType: MediaType.OciLayerGzip, digest: `sha256:${hex(gz)}`, size: gz.length }] });
    return tarOf([
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', body: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, digest: `sha256:${hex(manifest)}`, size: manifest.length, annotations }] }) },
      { name: `blobs/sha256/${hex(gz)}`, body: gz },
      { name: `blobs/sha256/${hex(cfg)}`, body: cfg },
      { name: `blobs/sha256/${hex(manifest)}`, body: manifest },
    ]);
  }

  it('a bare tag in ref.name names no repository; the raw tag is kept for the caller', async () => {
    const src = await open(await ociArchive({ 'org.opencontainers.image.ref.name': '1.0' }));
    expect(src.format).toBe('oci');
    const [image] = await src.images();
    expect(image).toMatchObject({ names: [], refName: '1.0' });
    const m = await src.getManifest(image!.descriptor.digest);
    expect(m.mediaType).toBe(MediaType.OciManifest);
    await src.close();
    expect(await readdir(staging)).toEqual([]);
  });

  it('a full reference in ref.name or containerd\'s image name is normalised', async () => {
    const a = await open(await ociArchive({ 'org.opencontainers.image.ref.name': 'example.com/app:2' }));
    expect((await a.images())[0]!.names).toEqual(['example.com/app:2']);
    await a.close();
    const b = await open(await ociArchive({ 'io.containerd.image.name': 'docker.io/library/bb:1', 'org.opencontainers.image.ref.name': '1' }));
    expect((await b.images())[0]).toMatchObject({ names: ['docker.io/library/bb:1'], refName: '1' });
    await b.close();
  });
});

it('an aborted read stops and leaves the staging dir empty', async () => {
  const big = await tarOf([{ name: 'big', body: Buffer.alloc(4 << 20, 1) }]);
  const controller = new AbortController();
  const input = new Readable({ read() {} });
  input.push(big.subarray(0, 1 << 20));
  const opening = openArchiveSource(input, { stagingDir: staging, signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await expect(opening).rejects.toMatchObject({ name: 'AbortError' });
  expect(await readdir(staging)).toEqual([]);
});

describe('openArchiveSource refuses hostile archives, leaving the staging dir empty', () => {
  const layerAnd = async (extra: Entry[]) => {
    const layer = await tarOf([{ name: 'f', body: 'x' }]);
    const cfg = configFor([layer]);
    return tarOf([
      { name: 'l/layer.tar', body: layer },
      { name: 'c.json', body: cfg },
      ...extra,
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['a:1'], Layers: ['l/layer.tar'] }]) },
    ]);
  };

  const cases: Array<[string, () => Promise<Buffer>, string, RegExp]> = [
    ['an entry with "../"', () => layerAnd([{ name: '../../evil.json', body: '{}' }]), 'ERR_UNSAFE_PATH', /climbs out of the root/],
    ['an absolute entry name', () => layerAnd([{ name: '/etc/cron.d/x', body: 'x' }]), 'ERR_UNSAFE_PATH', /absolute path/],
    ['a symlink pointing outside', () => layerAnd([{ name: 'out', type: 'symlink', linkname: '../../../etc/passwd' }]), 'ERR_UNSAFE_PATH', /symlink "out" points outside/],
    ['an entry written through a symlink', () => layerAnd([{ name: 'd', type: 'symlink', linkname: '/tmp' }, { name: 'd/x', body: 'x' }]), 'ERR_UNSAFE_PATH', /goes through the symlink "d"/],
    ['a layer whose diffID does not match the config', async () => {
      const layer = await tarOf([{ name: 'f', body: 'x' }]);
      const cfg = configFor([await tarOf([{ name: 'other', body: 'y' }])]);
      return tarOf([{ name: 'l/layer.tar', body: layer }, { name: 'c.json', body: cfg }, { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: [], Layers: ['l/layer.tar'] }]) }]);
    }, 'ERR_DIGEST_MISMATCH', /layer l\/layer\.tar: its uncompressed content is sha256:\w+ but the config's diff_id is/],
    ['a blob whose content does not match its name', () => tarOf([{ name: `blobs/sha256/${'1'.repeat(64)}`, body: 'not what the name says' }]), 'ERR_DIGEST_MISMATCH', /does not hold what its name says/],
    ['a manifest.json that is not a manifest', () => tarOf([{ name: 'manifest.json', body: '{"hello":"world"}' }]), 'ERR_MANIFEST_INVALID', /^manifest\.json: not a list of images/],
    ['an index.json that is not an index', () => tarOf([{ name: 'index.json', body: '{"schemaVersion":2,"config":{}}' }]), 'ERR_MANIFEST_INVALID', /index\.json/],
    ['a config that is not a config', () => tarOf([{ name: 'c.json', body: '{"os":"linux"}' }, { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', Layers: [] }]) }]), 'ERR_CONFIG_INVALID', /config c\.json: architecture is missing/],
    ['a layer with an unsafe entry', async () => {
      const layer = await tarOf([{ name: '../escape', body: 'x' }]);
      const cfg = configFor([layer]);
      return tarOf([{ name: 'l.tar', body: layer }, { name: 'c.json', body: cfg }, { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', Layers: ['l.tar'] }]) }]);
    }, 'ERR_UNSAFE_PATH', /archive: l\.tar: entry "\.\.\/escape" climbs out/],
    ['a RepoTag Docker would refuse', async () => {
      const layer = await tarOf([{ name: 'f', body: 'x' }]);
      const cfg = configFor([layer]);
      return tarOf([{ name: 'l.tar', body: layer }, { name: 'c.json', body: cfg }, { name: 'manifest.json', body: JSON.stringify([{ Config: 'c.json', RepoTags: ['Bad Name:1'], Layers: ['l.tar'] }]) }]);
    }, 'ERR_INVALID_REFERENCE', /manifest\.json: invalid RepoTag "Bad Name:1"/],
    ['a symlink loop', async () => tarOf([
      { name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' },
      { name: 'manifest.json', body: JSON.stringify([{ Config: 'a', Layers: [] }]) },
    ]), 'ERR_ARCHIVE_INVALID', /too many levels of symbolic links/],
    ['an OCI layer declared gzip that is not', async () => {
      const layer = await tarOf([{ name: 'f', body: 'x' }]);
      const cfg = configFor([layer]);
      const manifest = JSON.stringify({ schemaVersion: 2, config: { mediaType: MediaType.OciConfig, digest: `sha256:${hex(cfg)}`, size: cfg.length }, layers: [{ mediaType: MediaType.OciLayerGzip, digest: `sha256:${hex(layer)}`, size: layer.length }] });
      return tarOf([
        { name: `blobs/sha256/${hex(layer)}`, body: layer }, { name: `blobs/sha256/${hex(cfg)}`, body: cfg }, { name: `blobs/sha256/${hex(manifest)}`, body: manifest },
        { name: 'index.json', body: JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.OciManifest, digest: `sha256:${hex(manifest)}`, size: manifest.length }] }) },
      ]);
    }, 'ERR_LAYER_INVALID', /declared gzip but the blob is uncompressed/],
    ['a truncated tar', async () => (await layerAnd([])).subarray(0, 1700), 'ERR_ARCHIVE_INVALID', /unexpected EOF: the tar is truncated/],
    ['a truncated gzip', async () => { const gz = gzipSync(await layerAnd([])); return gz.subarray(0, gz.length - 30); }, 'ERR_ARCHIVE_INVALID', /unexpected EOF: the gzip stream is truncated/],
    ['something that is not a tar', async () => Buffer.alloc(4096, 0x61), 'ERR_ARCHIVE_INVALID', /not a valid tar/],
    ['a tar with neither manifest.json nor index.json', () => tarOf([{ name: 'x', body: 'y' }]), 'ERR_ARCHIVE_INVALID', /neither manifest\.json nor index\.json/],
  ];

  it.each(cases)('%s', async (_label, build, code, message) => {
    await expect(open(await build())).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await readdir(staging)).toEqual([]);
  });
});
