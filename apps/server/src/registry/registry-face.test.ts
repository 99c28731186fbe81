import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MediaType } from '@berth/core';
import { openFsStore, type FsStore } from '@berth/store-fs';
import { rootfsTar } from '@berth/testkit';
import { buildServer } from '../server.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let dir: string;
let store: FsStore;
let app: FastifyInstance;
let layer: Buffer;
let config: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-face-'));
  store = await openFsStore({ root: join(dir, 'root') });
  app = await buildServer({ backend: store, root: join(dir, 'root'), logLevel: false });
  const tree = join(dir, 'tree');
  await (await import('node:fs/promises')).mkdir(tree);
  await writeFile(join(tree, 'hello.txt'), 'hello registry\n');
  layer = await readFile(await rootfsTar(tree, join(dir, 'layer.tar')));
  config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2024-01-02T03:04:05Z', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
});

afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function pushBlob(repo: string, data: Buffer): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, payload: data, headers: { 'content-type': 'application/octet-stream' } });
  expect(res.statusCode).toBe(201);
}

function imageManifest(mediaType: string = MediaType.DockerManifest, layerType: string = MediaType.DockerLayer): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: MediaType.DockerConfig, digest: sha(config), size: config.length },
    layers: [{ mediaType: layerType, digest: sha(layer), size: layer.length }],
  }));
}

async function putManifest(repo: string, ref: string, body: Buffer, type: string = MediaType.DockerManifest) {
  return app.inject({ method: 'PUT', url: `/v2/${repo}/manifests/${ref}`, payload: body, headers: { 'content-type': type } });
}

describe('registry face over the store', () => {
  it('an image pushed by tag becomes a store image with its layer facts and repo digest', async () => {
    await pushBlob('team/app', layer);
    await pushBlob('team/app', config);
    const manifest = imageManifest();
    const res = await putManifest('team/app', '1', manifest);
    expect(res.statusCode).toBe(201);
    expect(res.headers['docker-content-digest']).toBe(sha(manifest));
    const s = await store.metadata.read();
    expect(s.tags.get('docker.io/team/app:1')).toBe(sha(config));
    const rec = s.images.get(sha(config))!;
    expect(rec.layers).toEqual([{ digest: sha(layer), mediaType: MediaType.DockerLayer, blobSize: layer.length, diffID: sha(layer), tarSize: layer.length, size: 'hello registry\n'.length }]);
    expect(rec.size).toBe('hello registry\n'.length);
    expect(rec.repoDigests).toEqual([`docker.io/team/app@${sha(manifest)}`]);
    expect(rec.created).toBe('2024-01-02T03:04:05Z');
  });

  it('refuses a digest reference that does not match the body', async () => {
    await pushBlob('a', layer);
    await pushBlob('a', config);
    const res = await putManifest('a', sha('something else'), imageManifest());
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ code: 'DIGEST_INVALID' }] });
  });

  it('refuses a layer whose content does not match the config diff_ids', async () => {
    const other = Buffer.concat([layer, Buffer.alloc(512)]);
    await pushBlob('a', other);
    await pushBlob('a', config);
    const manifest = Buffer.from(imageManifest().toString().replace(sha(layer), sha(other)).replace(`"size":${layer.length}}]`, `"size":${other.length}}]`));
    const res = await putManifest('a', '1', manifest);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ errors: [{ code: 'MANIFEST_INVALID' }] });
    expect((await store.metadata.read()).images.size).toBe(0);
  });

  it('deleting the last tag of an image removes it from the store, blobs included', async () => {
    await pushBlob('a', layer);
    await pushBlob('a', config);
    const manifest = imageManifest();
    await putManifest('a', '1', manifest);
    await putManifest('a', '2', manifest);
    expect((await app.inject({ method: 'DELETE', url: '/v2/a/manifests/1' })).statusCode).toBe(202);
    expect((await store.metadata.read()).images.size).toBe(1);
    expect((await app.inject({ method: 'DELETE', url: `/v2/a/manifests/${sha(manifest)}` })).statusCode).toBe(202);
    expect((await store.metadata.read()).images.size).toBe(0);
    expect(await store.content.stat(sha(layer))).toBeUndefined();
    expect((await app.inject({ method: 'GET', url: '/v2/a/manifests/2' })).statusCode).toBe(404);
  });

  it('a layer is not a manifest: GET manifests/<layer digest> is 404 MANIFEST_UNKNOWN', async () => {
    await pushBlob('a', layer);
    const res = await app.inject({ method: 'GET', url: `/v2/a/manifests/${sha(layer)}` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ errors: [{ code: 'MANIFEST_UNKNOWN' }] });
  });

  it('an index is kept and tagged beside the store images, and served by tag', async () => {
    await pushBlob('a', layer);
    await pushBlob('a', config);
    const manifest = imageManifest(MediaType.OciManifest, MediaType.OciLayer);
    await putManifest('a', sha(manifest), manifest, MediaType.OciManifest);
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: sha(manifest), size: manifest.length, platform: { os: 'linux', architecture: 'amd64' } }] }));
    expect((await putManifest('a', 'multi', index, MediaType.OciIndex)).statusCode).toBe(201);
    const got = await app.inject({ method: 'GET', url: '/v2/a/manifests/multi', headers: { accept: MediaType.OciIndex } });
    expect(got.headers['content-type']).toBe(MediaType.OciIndex);
    expect(got.rawPayload.equals(index)).toBe(true);
    // Pushed by digest only, the child is no store image (no dangling <none> row).
    expect((await store.metadata.read()).images.size).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/v2/a/tags/list' })).json()).toEqual({ name: 'a', tags: ['multi'] });
  });

  it('answers unknown endpoints and methods with registry errors', async () => {
    const res = await app.inject({ method: 'GET', url: '/v2/a/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect((await app.inject({ method: 'POST', url: '/v2/a/tags/list' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'GET', url: '/v2/Bad/tags/list' })).json()).toMatchObject({ errors: [{ code: 'NAME_INVALID' }] });
  });

  it('counts requests, upload bytes and store size in /metrics (Prometheus text)', async () => {
    await pushBlob('a', layer);
    await app.inject({ method: 'GET', url: `/v2/a/blobs/${sha(layer)}` });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(`berthd_upload_bytes_total ${layer.length}`);
    expect(res.body).toContain(`berthd_store_blob_bytes ${layer.length}`);
    expect(res.body).toContain('berthd_http_requests_total{method="POST",code="201"} 1');
    expect(res.body).toContain(`berthd_http_response_bytes_total ${layer.length}`);
    expect(res.body).toContain('berthd_upload_sessions 0');
  });
});
