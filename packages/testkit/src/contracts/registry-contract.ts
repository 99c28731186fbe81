// The contract every RegistryAdapter (the built-in distribution one, a third-party plugin) must
// pass: push then pull back byte-identical, tags, refused unknowns and wrong digests, login.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buffer as readAll } from 'node:stream/consumers';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MediaType,
  parseNormalizedReference,
  type Descriptor,
  type Digest,
  type ImageSource,
  type ManifestBytes,
  type RegistryAdapter,
  type RegistryCredentials,
  type RegistryOpenOptions,
} from '@berth/core';
import { codeOf } from './error-code.js';

/** A small, well-formed image held in memory: two gzip layers, a config and an OCI manifest. */
export interface ContractImage {
  layers: { desc: Descriptor; bytes: Buffer }[];
  config: { desc: Descriptor; bytes: Buffer };
  manifest: ManifestBytes;
  /** Every blob (layers, then config), as a destination receives them. */
  blobs: { desc: Descriptor; bytes: Buffer }[];
}

export interface RegistryUnderTest {
  adapter: RegistryAdapter;
  /** A repository prefix on a host the adapter claims, e.g. `127.0.0.1:5000/contract`. */
  repository: string;
  /** Passed to source/destination/tags: the credentials that work there. */
  options?: RegistryOpenOptions;
  /** A host the adapter authenticates against, with credentials it must accept and refuse. */
  login: { host: string; good: RegistryCredentials; bad: RegistryCredentials };
  /**
   * Puts `image` under `reference` by other means than the adapter (a peer tool, the backend's
   * files), so pulling is checked on its own and not only against the adapter's own pushes.
   */
  seed(reference: string, image: ContractImage): Promise<void>;
  /** Overwrites the stored bytes of a blob (same size) so the suite can check reads are verified. */
  corruptBlob(reference: string, digest: Digest): Promise<void>;
  cleanup(): Promise<void>;
}

const sha256 = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, size: body.length, mtime: new Date(0), mode: 0o644 }, body);
  pack.finalize();
  return readAll(pack as unknown as Readable);
}

/** Builds a fresh image whose blobs no registry has seen (random content, labelled `seed`). */
export async function contractImage(seed: string): Promise<ContractImage> {
  const layers: ContractImage['layers'] = [];
  const diffIDs: Digest[] = [];
  for (const n of [1, 2]) {
    const plain = await tarOf({ [`contract/${seed}-${n}.txt`]: Buffer.from(`${seed} layer ${n}\n`), [`contract/random-${n}`]: randomBytes(4096 * n) });
    diffIDs.push(sha256(plain));
    const bytes = gzipSync(plain);
    layers.push({ desc: { mediaType: MediaType.OciLayer, digest: sha256(bytes), size: bytes.length }, bytes });
  }
  const configBytes = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-02T03:04:05Z',
    config: { Labels: { 'berth.contract': seed } },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history: diffIDs.map((_, i) => ({ created: '2024-01-02T03:04:05Z', created_by: `contract ${seed} ${i}` })),
  }));
  const config = { desc: { mediaType: MediaType.OciConfig, digest: sha256(configBytes), size: configBytes.length }, bytes: configBytes };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: config.desc, layers: layers.map((l) => l.desc) }));
  return {
    layers,
    config,
    manifest: { bytes: manifestBytes, mediaType: MediaType.OciManifest, digest: sha256(manifestBytes) },
    blobs: [...layers, config],
  };
}

/** Writes `image` as an OCI image layout at `dir`, named `refName` (for `skopeo copy oci:dir:ref`). */
export async function writeContractImageLayout(dir: string, image: ContractImage, refName: string): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of [...image.blobs, { desc: { digest: image.manifest.digest }, bytes: image.manifest.bytes }]) {
    await writeFile(join(dir, 'blobs', 'sha256', b.desc.digest.slice('sha256:'.length)), b.bytes);
  }
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const entry = { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.bytes.length, annotations: { 'org.opencontainers.image.ref.name': refName } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry] }));
}

/** Pushes `image` under `reference` through the adapter, as `berth push` would. */
export async function pushContractImage(adapter: RegistryAdapter, reference: string, image: ContractImage, options: RegistryOpenOptions = {}): Promise<void> {
  const dst = await adapter.destination(parseNormalizedReference(reference), options);
  try {
    for (const b of image.blobs) if (!(await dst.hasBlob(b.desc))) await dst.putBlob(b.desc, Readable.from([b.bytes]));
    await dst.putManifest(image.manifest, [reference]);
    await dst.commit();
  } catch (err) {
    await dst.abort();
    throw err;
  }
}


async function withSource<T>(t: RegistryUnderTest, reference: string, body: (src: ImageSource) => Promise<T>): Promise<T> {
  const src = await t.adapter.source(parseNormalizedReference(reference), t.options);
  try {
    return await body(src);
  } finally {
    await src.close();
  }
}

/** Pulls `reference` through the adapter and checks every byte against `image`. */
async function expectPullsBack(t: RegistryUnderTest, reference: string, image: ContractImage): Promise<void> {
  await withSource(t, reference, async (src) => {
    const [top, ...rest] = await src.images();
    expect(rest).toEqual([]);
    expect(top!.descriptor.digest).toBe(image.manifest.digest);
    expect(top!.descriptor.size).toBe(image.manifest.bytes.length);
    const manifest = await src.getManifest(image.manifest.digest);
    expect(manifest.digest).toBe(image.manifest.digest);
    expect(manifest.mediaType).toBe(image.manifest.mediaType);
    expect(manifest.bytes.equals(image.manifest.bytes)).toBe(true);
    for (const b of image.blobs) expect(sha256(await readAll(await src.getBlob(b.desc)))).toBe(b.desc.digest);
  });
}

export function describeRegistryAdapterContract(name: string, open: () => Promise<RegistryUnderTest>): void {
  describe(`registry adapter contract: ${name}`, () => {
    let t: RegistryUnderTest;
    let n = 0;
    // Each test gets a repository of its own, so they do not depend on one another.
    const repo = (what: string): string => `${t.repository}/${what}-${++n}`;

    beforeAll(async () => {
      t = await open();
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    it('claims the host of its repository', () => {
      expect(t.adapter.claims(parseNormalizedReference(t.repository).domain)).toBe(true);
    });

    it('pushes an image, then pulls it back byte-identical (manifest and every blob)', async () => {
      const image = await contractImage('roundtrip');
      const ref = `${repo('roundtrip')}:v1`;
      const dst = await t.adapter.destination(parseNormalizedReference(ref), t.options);
      for (const b of image.blobs) {
        expect(await dst.hasBlob(b.desc)).toBe(false);
        await dst.putBlob(b.desc, Readable.from([b.bytes]));
        expect(await dst.hasBlob(b.desc)).toBe(true);
      }
      await dst.putManifest(image.manifest, [ref]);
      await dst.commit();
      await expectPullsBack(t, ref, image);
      const named = await withSource(t, ref, (src) => src.images());
      expect(named[0]!.names.map((x) => parseNormalizedReference(x).tag)).toContain('v1');
    });

    it('pulls by digest what it pushed by tag', async () => {
      const image = await contractImage('by-digest');
      const name = repo('by-digest');
      await pushContractImage(t.adapter, `${name}:v1`, image, t.options);
      await expectPullsBack(t, `${name}@${image.manifest.digest}`, image);
    });

    it('lists the tags of a repository', async () => {
      const image = await contractImage('tags');
      const name = repo('tags');
      for (const tag of ['v1', 'v2', 'latest']) await pushContractImage(t.adapter, `${name}:${tag}`, image, t.options);
      expect([...(await t.adapter.tags(parseNormalizedReference(name), t.options))].sort()).toEqual(['latest', 'v1', 'v2']);
    });

    it('an unknown tag and an unknown digest are ERR_MANIFEST_UNKNOWN', async () => {
      const image = await contractImage('unknown');
      const name = repo('unknown');
      await pushContractImage(t.adapter, `${name}:v1`, image, t.options);
      const images = (ref: string): Promise<unknown> => withSource(t, ref, (src) => src.images());
      expect(await codeOf(images(`${name}:no-such-tag`))).toBe('ERR_MANIFEST_UNKNOWN');
      expect(await codeOf(images(`${name}@${sha256(Buffer.from('no such manifest'))}`))).toBe('ERR_MANIFEST_UNKNOWN');
      expect(await codeOf(withSource(t, `${name}:v1`, (src) => src.getManifest(sha256(Buffer.from('nope')))))).toBe('ERR_MANIFEST_UNKNOWN');
    });

    it('a blob the repository lacks is ERR_BLOB_UNKNOWN', async () => {
      const image = await contractImage('blob-unknown');
      const name = repo('blob-unknown');
      await pushContractImage(t.adapter, `${name}:v1`, image, t.options);
      const missing = randomBytes(64);
      const desc = { mediaType: MediaType.OciLayer, digest: sha256(missing), size: missing.length };
      expect(await codeOf(withSource(t, `${name}:v1`, async (src) => readAll(await src.getBlob(desc))))).toBe('ERR_BLOB_UNKNOWN');
    });

    it('refuses a blob whose bytes do not match its digest, and keeps nothing of it', async () => {
      const name = repo('wrong-digest');
      const bytes = randomBytes(2048);
      const claimed = { mediaType: MediaType.OciLayer, digest: sha256(randomBytes(2048)), size: bytes.length };
      const dst = await t.adapter.destination(parseNormalizedReference(`${name}:v1`), t.options);
      try {
        expect(await codeOf(dst.putBlob(claimed, Readable.from([bytes])))).toBe('ERR_DIGEST_MISMATCH');
        expect(await dst.hasBlob(claimed)).toBe(false);
        expect(await dst.hasBlob({ ...claimed, digest: sha256(bytes) })).toBe(false);
      } finally {
        await dst.abort();
      }
    });

    it('refuses a manifest that names blobs the repository lacks', async () => {
      const image = await contractImage('dangling');
      const ref = `${repo('dangling')}:v1`;
      const dst = await t.adapter.destination(parseNormalizedReference(ref), t.options);
      try {
        const code = await codeOf(dst.putManifest(image.manifest, [ref]).then(() => dst.commit()));
        expect(['ERR_BLOB_UNKNOWN', 'ERR_MANIFEST_INVALID']).toContain(code);
      } finally {
        await dst.abort();
      }
      expect(await codeOf(withSource(t, ref, (src) => src.images()))).toBe('ERR_MANIFEST_UNKNOWN');
    });

    it('pulls an image put there by other means', async () => {
      const image = await contractImage('seeded');
      const ref = `${repo('seeded')}:v1`;
      await t.seed(ref, image);
      await expectPullsBack(t, ref, image);
    });

    it('verifies blobs as they are read: stored bytes that do not match are ERR_DIGEST_MISMATCH', async () => {
      const image = await contractImage('corrupt');
      const ref = `${repo('corrupt')}:v1`;
      await pushContractImage(t.adapter, ref, image, t.options);
      const layer = image.layers[0]!;
      await t.corruptBlob(ref, layer.desc.digest);
      expect(await codeOf(withSource(t, ref, async (src) => readAll(await src.getBlob(layer.desc))))).toBe('ERR_DIGEST_MISMATCH');
    });

    it('login accepts good credentials and refuses bad ones with ERR_UNAUTHORIZED', async () => {
      await t.adapter.login(t.login.host, t.login.good);
      expect(await codeOf(t.adapter.login(t.login.host, t.login.bad))).toBe('ERR_UNAUTHORIZED');
    });
  });
}
