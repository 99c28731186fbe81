// A registry that lies: a tiny HTTP server serving a blob whose bytes do not match its digest, and a
// manifest that does not match the digest asked for. berth refuses with one clear line, keeps nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { rootfsTar } from '@berth/testkit';
import { fingerprint, newStore, type Store } from './support/berth.js';

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let server: Server;
let host: string;
let store: Store;
let work: string;
let manifestDigest: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'hostile-registry-'));
  // Two layers of the same size: the registry declares one and serves the other.
  const tars: Buffer[] = [];
  for (const text of ['the real layer\n', 'an evil layer!\n']) {
    const dir = join(work, `root-${tars.length}`);
    await mkdir(dir);
    await writeFile(join(dir, 'f.txt'), text);
    tars.push(await readFile(await rootfsTar(dir, join(work, `l${tars.length}.tar`))));
  }
  const [real, evil] = tars as [Buffer, Buffer];
  expect(evil.length).toBe(real.length);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(real)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(real), size: real.length }],
  }));
  manifestDigest = sha(manifest);
  // The same layer, but a config whose diff_id is not the layer's uncompressed digest.
  const lyingConfig = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha(evil)] } }));
  const diffIdManifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(lyingConfig), size: lyingConfig.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(real), size: real.length }],
  }));
  server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    const send = (body: Buffer, type: string, extra: Record<string, string> = {}): void => void res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), ...extra }).end(req.method === 'HEAD' ? undefined : body);
    if (url === '/v2/evil/blob/manifests/1') return send(manifest, 'application/vnd.oci.image.manifest.v1+json', { 'docker-content-digest': manifestDigest });
    // A manifest whose bytes are not what its claimed digest says.
    if (url === '/v2/evil/manifest/manifests/1') return send(manifest, 'application/vnd.oci.image.manifest.v1+json', { 'docker-content-digest': sha(Buffer.from('other')) });
    if (url === '/v2/evil/truncated/manifests/1') return send(manifest, 'application/vnd.oci.image.manifest.v1+json');
    if (url === '/v2/evil/diffid/manifests/1') return send(diffIdManifest, 'application/vnd.oci.image.manifest.v1+json');
    if (url === '/v2/evil/notjson/manifests/1') return send(Buffer.from('<html>this is not json</html>'), 'application/vnd.oci.image.manifest.v1+json');
    if (url.startsWith('/v2/evil/loop/')) return void res.writeHead(307, { location: url }).end();
    if (url.endsWith(`/blobs/${sha(config)}`)) return send(config, 'application/octet-stream');
    if (url.endsWith(`/blobs/${sha(lyingConfig)}`)) return send(lyingConfig, 'application/octet-stream');
    if (url === `/v2/evil/truncated/blobs/${sha(real)}`) {
      // Promise the whole layer, send half, hang up.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(real.length) });
      res.write(real.subarray(0, real.length >> 1), () => res.destroy());
      return;
    }
    if (url === `/v2/evil/diffid/blobs/${sha(real)}`) return send(real, 'application/octet-stream');
    if (url.endsWith(`/blobs/${sha(real)}`)) return send(evil, 'application/octet-stream');
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND","message":"not found"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  store = await newStore();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('a registry serving wrong bytes', () => {
  it('refuses a blob whose bytes do not match its digest and keeps nothing of it', async () => {
    await store.ok(['images']); // the store exists before, so a fingerprint can compare
    const before = await fingerprint(store.root);
    const r = await store.berth(['pull', `${host}/evil/blob:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/digest mismatch/);
    expect(await store.ok(['images', '-aq'])).toBe('');
    expect(await fingerprint(store.root)).toEqual(before);
  });

  it('refuses a manifest that does not match the digest the registry claims', async () => {
    const r = await store.berth(['pull', `${host}/evil/manifest:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: manifest evil\/manifest@1: digest mismatch/);
    const byDigest = await store.berth(['pull', `${host}/evil/manifest@${sha(Buffer.from('x'))}`]);
    expect(byDigest.code).toBe(1);
    expect(await store.ok(['images', '-aq'])).toBe('');
  });
});

describe('a registry breaking the protocol', () => {
  it.each([
    ['truncated', /terminated|other side closed|size mismatch|premature/i],
    ['diffid', /does not match the config's diff_id/],
    ['notjson', /is not JSON/],
    ['loop', /too many redirects/],
  ])('refuses %s with one clear line and keeps nothing', async (repo, message) => {
    const before = await fingerprint(store.root);
    const r = await store.berth(['pull', `${host}/evil/${repo}:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(await store.ok(['images', '-aq'])).toBe('');
    expect(await fingerprint(store.root)).toEqual(before);
  });
});
