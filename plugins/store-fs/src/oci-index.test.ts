// The store root is an OCI image layout that real OCI tools read and write: index.json shape,
// skopeo and umoci against images berth stored, and berth reading an image skopeo copied in.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaType, sha256, type ImageRecord } from '@berth/core';
import { expectSuccess, putContractImage, rootfsTar, skopeo, umoci } from '@berth/testkit';
import { openFsStore, type FsStore } from './index.js';

let dir: string;
let store: FsStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-oci-index-'));
  store = await openFsStore({ root: join(dir, 'store') });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A real one-file image, built by hand: gzip layer, config with history, OCI manifest. */
async function putHandBuiltImage(s: FsStore, text: string): Promise<ImageRecord> {
  const rootfs = join(dir, `rootfs-${sha256(text).slice(7, 15)}`);
  await mkdir(rootfs, { recursive: true });
  await writeFile(join(rootfs, 'hello.txt'), text);
  const tarPath = await rootfsTar(rootfs, `${rootfs}.tar`);
  const gzPath = await rootfsTar(rootfs, `${rootfs}.tar.gz`, { gzip: true });
  const tarBytes = await readFile(tarPath);
  const diffID = sha256(tarBytes);
  const layer = await s.content.put(createReadStream(gzPath));
  const created = '2024-05-06T07:08:09Z';
  const configBytes = JSON.stringify({
    created,
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'], Labels: { maker: 'hand' } },
    rootfs: { type: 'layers', diff_ids: [diffID] },
    history: [{ created, created_by: 'COPY hello.txt /' }],
  });
  const config = await s.content.put(Readable.from([Buffer.from(configBytes)]));
  const manifestBytes = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: MediaType.OciLayerGzip, digest: layer.digest, size: layer.size }],
  });
  const manifest = await s.content.put(Readable.from([Buffer.from(manifestBytes)]));
  const layerRecord = { digest: layer.digest, mediaType: MediaType.OciLayerGzip, blobSize: layer.size, diffID, tarSize: tarBytes.length, size: Buffer.byteLength(text) };
  return {
    id: config.digest,
    manifest: { mediaType: MediaType.OciManifest, digest: manifest.digest, size: manifest.size },
    config: { mediaType: MediaType.OciConfig, digest: config.digest, size: config.size },
    platform: { architecture: 'amd64', os: 'linux' },
    created,
    size: layerRecord.size,
    layers: [layerRecord],
    labels: { maker: 'hand' },
    repoDigests: [],
  };
}

describe('index.json', () => {
  it('has one entry per tag annotated with the full reference, and one bare entry per dangling image', async () => {
    const tagged = await putContractImage(store.content, 'tagged');
    const dangling = await putContractImage(store.content, 'dangling');
    await store.metadata.update((draft) => {
      draft.images.set(tagged.id, tagged);
      draft.images.set(dangling.id, dangling);
      draft.tags.set('docker.io/library/bb:2', tagged.id);
      draft.tags.set('docker.io/library/bb:1', tagged.id);
    });
    const index = JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8'));
    expect(index.schemaVersion).toBe(2);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const entry = (r: ImageRecord, ref?: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: r.manifest.digest,
      size: r.manifest.size,
      ...(ref ? { annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref } } : {}),
    });
    expect(index.manifests).toEqual([entry(tagged, 'docker.io/library/bb:1'), entry(tagged, 'docker.io/library/bb:2'), entry(dangling)]);
    expect(JSON.parse(await readFile(join(store.root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('removing the last tag keeps the image as a dangling entry', async () => {
    const image = await putContractImage(store.content, 'x');
    await store.metadata.update((draft) => {
      draft.images.set(image.id, image);
      draft.tags.set('docker.io/library/x:1', image.id);
    });
    await store.metadata.update((draft) => draft.tags.delete('docker.io/library/x:1'));
    const index = JSON.parse(await readFile(join(store.root, 'index.json'), 'utf8'));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].digest).toBe(image.manifest.digest);
    expect(index.manifests[0].annotations).toBeUndefined();
  });
});

describe('OCI tools read and write the store', () => {
  it('skopeo inspects and copies a berth image by its full reference', async () => {
    const image = await putHandBuiltImage(store, 'hello from berth\n');
    await store.metadata.update((draft) => {
      draft.images.set(image.id, image);
      draft.tags.set('docker.io/library/bb:1', image.id);
      draft.tags.set('docker.io/library/bb:latest', image.id);
    });
    const inspected = JSON.parse(expectSuccess(await skopeo(['inspect', `oci:${store.root}:docker.io/library/bb:1`]), 'skopeo inspect').stdout);
    expect(inspected.Digest).toBe(image.manifest.digest);
    expect(inspected.Layers).toEqual([image.layers[0]!.digest]);
    expect(inspected.Architecture).toBe('amd64');
    expect(inspected.Os).toBe('linux');
    expect(inspected.Labels).toEqual({ maker: 'hand' });
    const config = JSON.parse(expectSuccess(await skopeo(['inspect', '--config', '--raw', `oci:${store.root}:docker.io/library/bb:latest`]), 'skopeo inspect --config').stdout);
    expect(config.rootfs.diff_ids).toEqual([image.layers[0]!.diffID]);
    // copy reads every blob and checks its digest against the manifest.
    expectSuccess(await skopeo(['copy', `oci:${store.root}:docker.io/library/bb:1`, `dir:${join(dir, 'copied')}`]), 'skopeo copy');
    expect(await readFile(join(dir, 'copied', image.layers[0]!.digest.slice(7)))).toHaveLength(image.layers[0]!.blobSize);
  });

  it('umoci lists the tags and unpacks a berth image', async () => {
    const image = await putHandBuiltImage(store, 'unpacked by umoci\n');
    await store.metadata.update((draft) => {
      draft.images.set(image.id, image);
      draft.tags.set('docker.io/library/bb:1', image.id);
      draft.tags.set('ghcr.io/acme/tool:2.0', image.id);
    });
    const listed = expectSuccess(await umoci(['ls', '--layout', store.root]), 'umoci ls').stdout.trim().split('\n').sort();
    expect(listed).toEqual(['docker.io/library/bb:1', 'ghcr.io/acme/tool:2.0']);
    const bundle = join(dir, 'bundle');
    expectSuccess(await umoci(['unpack', '--rootless', '--image', `${store.root}:docker.io/library/bb:1`, bundle]), 'umoci unpack');
    expect(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8')).toBe('unpacked by umoci\n');
  });

  it('an image skopeo copies into the store is a berth image with its tag, and survives berth updates', async () => {
    const other = await openFsStore({ root: join(dir, 'other') });
    const image = await putHandBuiltImage(other, 'copied in by skopeo\n');
    await other.metadata.update((draft) => {
      draft.images.set(image.id, image);
      draft.tags.set('docker.io/library/src:1', image.id);
    });
    expectSuccess(
      await skopeo(['copy', `oci:${other.root}:docker.io/library/src:1`, `oci:${store.root}:docker.io/library/copied:1`]),
      'skopeo copy into the store',
    );
    const snap = await store.metadata.read();
    expect(snap.tags.get('docker.io/library/copied:1')).toBe(image.id);
    const rebuilt = snap.images.get(image.id);
    expect(rebuilt?.manifest.digest).toBe(image.manifest.digest);
    expect(rebuilt?.layers.map((l) => l.diffID)).toEqual([image.layers[0]!.diffID]);
    expect(rebuilt?.created).toBe(image.created);
    expect(rebuilt?.labels).toEqual({ maker: 'hand' });

    const mine = await putContractImage(store.content, 'mine');
    await store.metadata.update((draft) => {
      draft.images.set(mine.id, mine);
      draft.tags.set('docker.io/library/mine:1', mine.id);
    });
    const after = await store.metadata.read();
    expect(Object.fromEntries(after.tags)).toEqual({ 'docker.io/library/copied:1': image.id, 'docker.io/library/mine:1': mine.id });
    const inspected = JSON.parse(expectSuccess(await skopeo(['inspect', `oci:${store.root}:docker.io/library/copied:1`]), 'skopeo inspect').stdout);
    expect(inspected.Digest).toBe(image.manifest.digest);
  });
});
