// berthd's registry protocol edges over real HTTP (fetch/undici): chunked uploads and 416, digest
// mismatch keeping nothing, Range GETs, pagination, missing blobs, sessions across a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';

let store: Store;
let berthd: Berthd;

beforeAll(async () => {
  store = await newStore('berthd-proto-');
  berthd = await startBerthd(store.root);
});

afterAll(async () => {
  await berthd?.stop();
  await store?.cleanup();
});

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const url = (path: string): string => `${berthd.url}${path}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function startUpload(repo: string): Promise<string> {
  const res = await fetch(url(`/v2/${repo}/blobs/uploads/`), { method: 'POST' });
  expect(res.status).toBe(202);
  expect(res.headers.get('oci-chunk-min-length')).not.toBeNull();
  return res.headers.get('location')!;
}

async function pushBlob(repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const res = await fetch(url(`/v2/${repo}/blobs/uploads/?digest=${digest}`), { method: 'POST', body: data, headers: { 'content-type': 'application/octet-stream' } });
  expect(res.status).toBe(201);
  return digest;
}

async function stagedUploads(): Promise<string[]> {
  return (await readdir(join(store.root, 'berth', 'tmp'))).filter((n) => n.startsWith('berthd-upload-'));
}

describe('chunked uploads', () => {
  it('accepts chunks in order, refuses an out-of-order one with 416 and the current range', async () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    const loc = await startUpload('proto/chunks');
    const first = await fetch(url(loc), { method: 'PATCH', body: data.subarray(0, 10), headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' } });
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe('0-9');
    const skipped = await fetch(url(loc), { method: 'PATCH', body: data.subarray(15), headers: { 'content-range': '15-25', 'content-type': 'application/octet-stream' } });
    expect(skipped.status).toBe(416);
    expect(skipped.headers.get('range')).toBe('0-9');
    const status = await fetch(url(loc));
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-9');
    const second = await fetch(url(loc), { method: 'PATCH', body: data.subarray(10, 20), headers: { 'content-range': '10-19', 'content-type': 'application/octet-stream' } });
    expect(second.headers.get('range')).toBe('0-19');
    // The last chunk travels with the closing PUT.
    const done = await fetch(url(`${loc}?digest=${sha(data)}`), { method: 'PUT', body: data.subarray(20), headers: { 'content-range': '20-25', 'content-type': 'application/octet-stream' } });
    expect(done.status).toBe(201);
    expect(done.headers.get('docker-content-digest')).toBe(sha(data));
    const got = await fetch(url(done.headers.get('location')!));
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it('keeps nothing when the closing digest does not match', async () => {
    const data = Buffer.from('the bytes that were sent');
    const claimed = sha('other bytes');
    const loc = await startUpload('proto/mismatch');
    await fetch(url(loc), { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
    const res = await fetch(url(`${loc}?digest=${claimed}`), { method: 'PUT' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('DIGEST_INVALID');
    for (const d of [claimed, sha(data)]) expect((await fetch(url(`/v2/proto/mismatch/blobs/${d}`), { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(url(loc))).status).toBe(404);
    expect(await stagedUploads()).toEqual([]);
  });

  it('cancels an upload with DELETE', async () => {
    const loc = await startUpload('proto/cancel');
    expect((await fetch(url(loc), { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(url(loc))).status).toBe(404);
  });

  it('mounts a blob from another repository without an upload', async () => {
    const digest = await pushBlob('proto/from', Buffer.from('mount me'));
    const res = await fetch(url(`/v2/proto/to/blobs/uploads/?mount=${digest}&from=proto/from`), { method: 'POST' });
    expect(res.status).toBe(201);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
  });
});

describe('blob reads', () => {
  it('answers a Range GET with 206 and exactly those bytes, and 416 past the end', async () => {
    const data = Buffer.alloc(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
    const digest = await pushBlob('proto/range', data);
    const res = await fetch(url(`/v2/proto/range/blobs/${digest}`), { headers: { range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-1999/${data.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(data.subarray(1000, 2000))).toBe(true);
    const tail = await fetch(url(`/v2/proto/range/blobs/${digest}`), { headers: { range: 'bytes=199990-' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(data.subarray(199_990))).toBe(true);
    expect((await fetch(url(`/v2/proto/range/blobs/${digest}`), { headers: { range: `bytes=${data.length}-` } })).status).toBe(416);
    const head = await fetch(url(`/v2/proto/range/blobs/${digest}`), { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(data.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);
  });

  it('answers an unknown blob with 404 BLOB_UNKNOWN', async () => {
    const res = await fetch(url(`/v2/proto/none/blobs/${sha('nothing')}`));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
  });
});

describe('manifests and tags', () => {
  let manifest: Buffer;

  beforeAll(async () => {
    // An artifact: a non-image config, so the store keeps it beside its images.
    const config = Buffer.from('{}');
    const layer = Buffer.from('artifact payload');
    await pushBlob('proto/tags', config);
    await pushBlob('proto/tags', layer);
    manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.berth.test',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/octet-stream', digest: sha(layer), size: layer.length }],
    }));
  });

  it('refuses a manifest that names a missing blob with MANIFEST_BLOB_UNKNOWN', async () => {
    const missing = sha('never pushed');
    const bad = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: missing, size: 2 }, layers: [] });
    const res = await fetch(url('/v2/proto/tags/manifests/bad'), { method: 'PUT', body: bad, headers: { 'content-type': OCI_MANIFEST } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN', detail: { digest: missing } }] });
  });

  it('pages tags/list with n and last, and a Link to the next page', async () => {
    for (const t of ['c', 'a', 'e', 'b', 'd']) {
      const res = await fetch(url(`/v2/proto/tags/manifests/${t}`), { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
      expect(res.status).toBe(201);
      expect(res.headers.get('docker-content-digest')).toBe(sha(manifest));
    }
    const page1 = await fetch(url('/v2/proto/tags/tags/list?n=2'));
    expect(await page1.json()).toEqual({ name: 'proto/tags', tags: ['a', 'b'] });
    expect(page1.headers.get('link')).toBe('</v2/proto/tags/tags/list?n=2&last=b>; rel="next"');
    expect(await (await fetch(url('/v2/proto/tags/tags/list?n=2&last=b'))).json()).toEqual({ name: 'proto/tags', tags: ['c', 'd'] });
    const last = await fetch(url('/v2/proto/tags/tags/list?n=2&last=d'));
    expect(await last.json()).toEqual({ name: 'proto/tags', tags: ['e'] });
    expect(last.headers.get('link')).toBeNull();
    expect((await fetch(url('/v2/proto/unknown/tags/list'))).status).toBe(404);
  });

  it('serves a manifest by tag and digest with its media type, and negotiates Accept', async () => {
    const byTag = await fetch(url('/v2/proto/tags/manifests/a'), { headers: { accept: OCI_MANIFEST } });
    expect(byTag.headers.get('content-type')).toBe(OCI_MANIFEST);
    expect(Buffer.from(await byTag.arrayBuffer()).equals(manifest)).toBe(true);
    const byDigest = await fetch(url(`/v2/proto/tags/manifests/${sha(manifest)}`), { method: 'HEAD' });
    expect(byDigest.status).toBe(200);
    expect(byDigest.headers.get('docker-content-digest')).toBe(sha(manifest));
    // Only Docker's schema2 accepted: an OCI manifest is not sent (distribution does the same).
    const docker = await fetch(url('/v2/proto/tags/manifests/a'), { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(docker.status).toBe(404);
  });

  it('deletes a tag, then the manifest by digest with every tag left', async () => {
    expect((await fetch(url('/v2/proto/tags/manifests/e'), { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(url('/v2/proto/tags/manifests/e'))).status).toBe(404);
    expect((await fetch(url(`/v2/proto/tags/manifests/${sha(manifest)}`), { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(url('/v2/proto/tags/tags/list'))).status).toBe(404);
  });

  it('pages the catalog', async () => {
    for (const r of ['cat/one', 'cat/two', 'cat/three']) {
      await fetch(url(`/v2/${r}/manifests/1`), { method: 'PUT', body: manifest, headers: { 'content-type': OCI_MANIFEST } });
    }
    const all = ((await (await fetch(url('/v2/_catalog'))).json()) as { repositories: string[] }).repositories;
    expect(all.filter((r) => r.startsWith('cat/'))).toEqual(['cat/one', 'cat/three', 'cat/two']);
    const page = await fetch(url('/v2/_catalog?n=1&last=cat/one'));
    expect(await page.json()).toEqual({ repositories: ['cat/three'] });
    expect(page.headers.get('link')).toBe('</v2/_catalog?n=1&last=cat%2Fthree>; rel="next"');
  });
});

describe('referrers', () => {
  it('lists the manifests whose subject is a digest, filtered by artifactType', async () => {
    const empty = Buffer.from('{}');
    await pushBlob('proto/refs', empty);
    const emptyDesc = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 };
    const subject = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: emptyDesc, layers: [] }));
    await fetch(url('/v2/proto/refs/manifests/subject'), { method: 'PUT', body: subject, headers: { 'content-type': OCI_MANIFEST } });
    const subjectDesc = { mediaType: OCI_MANIFEST, digest: sha(subject), size: subject.length };
    const referrer = (artifactType: string): Buffer =>
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType, config: emptyDesc, layers: [emptyDesc], subject: subjectDesc, annotations: { kind: artifactType } }));
    for (const kind of ['application/vnd.example.sbom', 'application/vnd.example.signature']) {
      const body = referrer(kind);
      const res = await fetch(url(`/v2/proto/refs/manifests/${sha(body)}`), { method: 'PUT', body, headers: { 'content-type': OCI_MANIFEST } });
      expect(res.status).toBe(201);
      expect(res.headers.get('oci-subject')).toBe(sha(subject));
    }
    const all = await fetch(url(`/v2/proto/refs/referrers/${sha(subject)}`));
    expect(all.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    const index = (await all.json()) as { manifests: { artifactType: string; digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => m.artifactType).sort()).toEqual(['application/vnd.example.sbom', 'application/vnd.example.signature']);
    const sboms = await fetch(url(`/v2/proto/refs/referrers/${sha(subject)}?artifactType=application/vnd.example.sbom`));
    expect(sboms.headers.get('oci-filters-applied')).toBe('artifactType');
    const filtered = (await sboms.json()) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(filtered.manifests).toHaveLength(1);
    expect(filtered.manifests[0]!.digest).toBe(sha(referrer('application/vnd.example.sbom')));
    expect(filtered.manifests[0]!.annotations).toEqual({ kind: 'application/vnd.example.sbom' });
    // Nothing refers to an unknown digest: an empty index, not a 404.
    expect(await (await fetch(url(`/v2/proto/refs/referrers/${sha('x')}`))).json()).toMatchObject({ manifests: [] });
  });
});

describe('restart', () => {
  it('finishes a chunk in flight on SIGTERM, and the session survives into a new berthd on the same root', async () => {
    const data = Buffer.from('first half|second half');
    const loc = await startUpload('proto/restart');
    // A chunk whose body is still arriving when SIGTERM comes: berthd waits for it.
    let finishBody!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(data.subarray(0, 5));
        finishBody = () => {
          controller.enqueue(data.subarray(5, 11));
          controller.close();
        };
      },
    });
    const inFlight = fetch(url(loc), { method: 'PATCH', body, duplex: 'half', headers: { 'content-range': '0-10', 'content-type': 'application/octet-stream' } } as RequestInit);
    await new Promise((r) => setTimeout(r, 300));
    const stopped = berthd.stop();
    await new Promise((r) => setTimeout(r, 300));
    finishBody();
    const patched = await inFlight;
    expect(patched.status).toBe(202);
    expect(patched.headers.get('range')).toBe('0-10');
    expect(await stopped).toBe(0);
    expect(berthd.log()).toContain('shutting down');
    berthd = await startBerthd(store.root);
    const status = await fetch(url(loc));
    expect(status.headers.get('range')).toBe('0-10');
    await fetch(url(loc), { method: 'PATCH', body: data.subarray(11), headers: { 'content-range': `11-${data.length - 1}`, 'content-type': 'application/octet-stream' } });
    const done = await fetch(url(`${loc}?digest=${sha(data)}`), { method: 'PUT' });
    expect(done.status).toBe(201);
    expect(await (await fetch(url(`/v2/proto/restart/blobs/${sha(data)}`))).text()).toBe(data.toString());
  });

  it('answers /healthz', async () => {
    expect(await (await fetch(url('/healthz'))).json()).toEqual({ status: 'ok' });
  });
});
