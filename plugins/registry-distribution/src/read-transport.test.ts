import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { ReadTransport } from './read-transport.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A server that takes connections and never answers. */
async function silentServer(): Promise<number> {
  const server: Server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/**
 * A port whose connections hang before they are established: a listener in a stopped process
 * with its accept queue full (Linux then drops further SYNs).
 */
async function unanswerablePort(): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['-e', "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sockets: Socket[] = [];
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    child.kill('SIGKILL');
  });
  const port = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(String(d).trim()))));
  child.kill('SIGSTOP');
  for (let i = 0; i < 8; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    sockets.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) return port;
  }
  throw new Error('the accept queue never filled');
}

describe('ReadTransport', () => {
  it('limits the wait for headers from the moment the connection is up, not from the start', async () => {
    const port = await silentServer();
    const transport = new ReadTransport({ connectMs: 3000, headersMs: 200, bodyMs: 1000 });
    const started = Date.now();
    await expect(transport.request(`http://127.0.0.1:${port}/v2/`, { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    // Connect + headers as one limit would have waited 3.2 s.
    expect(Date.now() - started).toBeLessThan(2000);
    transport.close();
  });

  it('gives up on a connection that is never established after the connect limit', async () => {
    const port = await unanswerablePort();
    const transport = new ReadTransport({ connectMs: 300, headersMs: 10_000, bodyMs: 10_000 });
    const started = Date.now();
    await expect(transport.request(`http://127.0.0.1:${port}/v2/`, { method: 'GET', headers: {} })).rejects.toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3000);
    transport.close();
  });
});
