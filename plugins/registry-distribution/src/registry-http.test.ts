import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryHttp } from './registry-http.js';
import { RegistryAuth } from './registry-auth.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const anonymous = new RegistryAuth(async () => undefined);

describe('RegistryHttp', () => {
  it('retries 503 and 429, honouring Retry-After, then succeeds', async () => {
    const seen: number[] = [];
    const host = await serve((_req, res) => {
      seen.push(Date.now());
      if (seen.length === 1) return void res.writeHead(503).end();
      if (seen.length === 2) return void res.writeHead(429, { 'retry-after': '1' }).end();
      res.writeHead(200).end('ok');
    });
    const http = new RegistryHttp({ host, base: `http://${host}` }, anonymous, { backoffMs: 10 });
    const res = await http.send({ method: 'GET', path: '/v2/' });
    expect(await res.body.text()).toBe('ok');
    expect(seen).toHaveLength(3);
    expect(seen[2]! - seen[1]!).toBeGreaterThanOrEqual(950);
    await http.close();
  });

  it('gives up after a bounded number of retries with the status in the message', async () => {
    let count = 0;
    const host = await serve((_req, res) => {
      count++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
    });
    const http = new RegistryHttp({ host, base: `http://${host}` }, anonymous, { backoffMs: 1, retries: 2 });
    await expect(http.send({ method: 'GET', path: '/v2/x/manifests/1' })).rejects.toThrow('GET /v2/x/manifests/1: 500 UNKNOWN: boom');
    expect(count).toBe(3);
    await http.close();
  });

  it('times out a server that never answers instead of hanging, retrying a timeout once only', async () => {
    let count = 0;
    const host = await serve(() => void count++);
    const http = new RegistryHttp({ host, base: `http://${host}` }, anonymous, { retries: 4, backoffMs: 1, timeouts: { headersMs: 300 } });
    const started = Date.now();
    await expect(http.send({ method: 'GET', path: '/v2/' })).rejects.toMatchObject({ code: 'ERR_NETWORK', message: expect.stringMatching(/timed out/) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(count).toBe(2);
    await http.close();
  });

  it('stops following a redirect loop', async () => {
    const host = await serve((req, res) => void res.writeHead(307, { location: req.url === '/a' ? '/b' : '/a' }).end());
    const http = new RegistryHttp({ host, base: `http://${host}` }, anonymous, { retries: 0 });
    await expect(http.send({ method: 'GET', path: '/a' })).rejects.toThrow(/too many redirects/);
    await http.close();
  });
});
