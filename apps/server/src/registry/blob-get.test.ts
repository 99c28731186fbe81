import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openFsStore } from '@berth/store-fs';
import { buildServer } from '../server.js';

// Blob GETs over a real socket, so the hand-written answer (file-pump.ts) meets backpressure.
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let dir: string;
let app: FastifyInstance;
let base: string;
// Not a multiple of the pump's 1 MiB buffers, so the last read is a short one; larger than what
// the loopback socket buffers hold, so a client that leaves does so mid-answer.
const blob = randomBytes((20 << 20) + 12345);
const digest = sha(blob);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-blob-get-'));
  const store = await openFsStore({ root: join(dir, 'root') });
  app = await buildServer({ backend: store, root: join(dir, 'root'), logLevel: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/v2/r/blobs/uploads/?digest=${digest}`, { method: 'POST', body: blob, headers: { 'content-type': 'application/octet-stream' } });
  expect(res.status).toBe(201);
});

afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('blob GET', () => {
  it('serves the whole blob with its length, digest and API version', async () => {
    const res = await fetch(`${base}/v2/r/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(blob.length));
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(Buffer.from(await res.arrayBuffer()).equals(blob)).toBe(true);
  });

  it('serves byte ranges across buffer boundaries, and to the end', async () => {
    for (const [start, end] of [[1000, (2 << 20) + 99], [(1 << 20) - 1, 1 << 20], [blob.length - 10, blob.length - 1]] as const) {
      const res = await fetch(`${base}/v2/r/blobs/${digest}`, { headers: { range: `bytes=${start}-${end}` } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${blob.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(blob.subarray(start, end + 1))).toBe(true);
    }
    const open = await fetch(`${base}/v2/r/blobs/${digest}`, { headers: { range: 'bytes=19000000-' } });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(blob.subarray(19000000))).toBe(true);
  });

  it('a client that leaves mid-blob does not disturb the answers after it', async () => {
    for (let i = 0; i < 3; i++) {
      // The socket closes after the first bytes arrive, with most of the blob still to send.
      await new Promise<void>((resolve, reject) => {
        const req = get(`${base}/v2/r/blobs/${digest}`, (res) => res.once('data', () => req.destroy()));
        req.on('close', resolve).on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      });
    }
    const answers = await Promise.all(Array.from({ length: 4 }, () => fetch(`${base}/v2/r/blobs/${digest}`).then(async (r) => Buffer.from(await r.arrayBuffer()))));
    for (const a of answers) expect(a.equals(blob)).toBe(true);
  });

  it('HEAD and an unknown blob answer as before', async () => {
    const head = await fetch(`${base}/v2/r/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(blob.length));
    const missing = await fetch(`${base}/v2/r/blobs/${sha(Buffer.from('nope'))}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('BLOB_UNKNOWN');
  });
});
