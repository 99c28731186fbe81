// Ranged blob reads for resumed pulls: a 206 from the offset asked for, a 200 from a registry that
// ignores Range (the first bytes skipped), a 206 from elsewhere refused; and verify: false.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import type { Digest } from '@berth/core';
import { RegistryHttp } from './registry-http.js';
import { RegistryAuth } from './registry-auth.js';
import { RegistryClient } from './registry-client.js';

const blob = randomBytes(200_000);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}` as Digest;
const desc = { mediaType: 'application/octet-stream', digest, size: blob.length };

let server: Server | undefined;
const ranges: (string | undefined)[] = [];
afterEach(async () => {
  ranges.length = 0;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A registry serving `blob` that answers Range requests as `mode` says. */
async function client(mode: 'honours' | 'ignores' | 'lies'): Promise<RegistryClient> {
  server = createServer((req, res) => {
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (!m || mode === 'ignores') return void res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
    const start = mode === 'lies' ? 0 : Number(m[1]);
    res.writeHead(206, { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}`, 'content-length': String(blob.length - start) }).end(blob.subarray(start));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server!.address() as AddressInfo).port}`;
  return new RegistryClient(new RegistryHttp({ host, base: `http://${host}` }, new RegistryAuth(async () => undefined)), 'team/app');
}

describe('ranged blob reads', () => {
  it('asks for bytes=N- and takes a 206 from N', async () => {
    const c = await client('honours');
    expect(await readAll(await c.getBlob(desc, { offset: 123_456 }))).toEqual(blob.subarray(123_456));
    expect(ranges).toEqual(['bytes=123456-']);
    await c.http.close();
  });

  it('skips to the offset when the registry answers 200 with the whole blob', async () => {
    const c = await client('ignores');
    expect(await readAll(await c.getBlob(desc, { offset: 70_000 }))).toEqual(blob.subarray(70_000));
    await c.http.close();
  });

  it('refuses a 206 that does not start at the offset asked for', async () => {
    const c = await client('lies');
    await expect(c.getBlob(desc, { offset: 5 })).rejects.toThrow(/asked for bytes from 5, got Content-Range "bytes 0-/);
    await c.http.close();
  });

  it('verifies a whole read unless told the caller does', async () => {
    const c = await client('honours');
    const lie = { ...desc, digest: `sha256:${'0'.repeat(64)}` as Digest };
    await expect(readAll(await c.getBlob(lie))).rejects.toThrow(/digest mismatch/);
    expect(await readAll(await c.getBlob(lie, { verify: false }))).toEqual(blob);
    expect(ranges).toEqual([undefined, undefined]);
    await c.http.close();
  });
});
