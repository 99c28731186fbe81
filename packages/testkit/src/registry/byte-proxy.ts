// A TCP proxy on 127.0.0.1 in front of a registry: counts the bytes the registry sends to the client
// and can cut every connection once a number of them went through, as a dropped network would.
import { createConnection, createServer, type Socket } from 'node:net';

export interface ByteProxyOptions {
  /** `host:port` to forward to. */
  target: string;
}

export interface ByteProxy {
  /** `127.0.0.1:PORT`, to use as the registry host in references. */
  readonly host: string;
  /** Bytes sent from the target to clients since start (or the last `reset`). */
  readonly bytesToClient: number;
  /**
   * Cuts every connection once `bytesToClient` reaches `n`, and refuses new ones until `reset`;
   * resolves when the cut happened.
   */
  cutAfter(n: number): Promise<void>;
  /** Drops every open connection once `bytesToClient` reaches `n`, then lets new ones through. */
  dropAt(n: number): Promise<void>;
  /** Resolves once `bytesToClient` reaches `n` (to kill a client mid-transfer). */
  reached(n: number): Promise<void>;
  /** Bytes sent from clients to the target (uploads) since start (or the last `reset`). */
  readonly bytesToTarget: number;
  /** Drops every open connection once `bytesToTarget` reaches `n`, then lets new ones through. */
  dropUploadAt(n: number): Promise<void>;
  /** Resolves once `bytesToTarget` reaches `n` (to kill a client mid-upload). */
  uploaded(n: number): Promise<void>;
  /** Zeroes the count and lets connections through again. */
  reset(): void;
  close(): Promise<void>;
}

export async function startByteProxy(options: ByteProxyOptions): Promise<ByteProxy> {
  const [targetHost, targetPort] = splitHost(options.target);
  const sockets = new Set<Socket>();
  let bytes = 0;
  let cut = false;
  let cutAt: number | undefined;
  let onCut: (() => void) | undefined;
  let dropAt: { n: number; done: () => void } | undefined;
  const waiters: { n: number; resolve: () => void }[] = [];
  let upBytes = 0;
  let dropUploadAt: { n: number; done: () => void } | undefined;
  const upWaiters: { n: number; resolve: () => void }[] = [];
  const checkUpload = (): void => {
    for (const w of [...upWaiters]) if (upBytes >= w.n) {
      upWaiters.splice(upWaiters.indexOf(w), 1);
      w.resolve();
    }
    if (dropUploadAt && upBytes >= dropUploadAt.n) {
      const d = dropUploadAt;
      dropUploadAt = undefined;
      for (const s of sockets) s.destroy();
      d.done();
    }
  };

  const check = (): void => {
    for (const w of [...waiters]) if (bytes >= w.n) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (dropAt && bytes >= dropAt.n) {
      const d = dropAt;
      dropAt = undefined;
      for (const s of sockets) s.destroy();
      d.done();
    }
    if (cutAt !== undefined && bytes >= cutAt && !cut) {
      cut = true;
      for (const s of sockets) s.destroy();
      onCut?.();
    }
  };

  const server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client).add(upstream);
    const forget = (): void => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.on('data', (c: Buffer) => {
      upBytes += c.length;
      if (!upstream.write(c)) client.pause();
      checkUpload();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (c: Buffer) => {
      if (cut) return;
      // Never forward past the cut point: the client sees exactly `cutAt` bytes in all.
      let chunk = c;
      if (cutAt !== undefined && bytes + chunk.length > cutAt) chunk = chunk.subarray(0, Math.max(cutAt - bytes, 0));
      bytes += chunk.length;
      const ok = chunk.length === 0 || client.write(chunk);
      check();
      if (!ok && !cut) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    host: `127.0.0.1:${port}`,
    get bytesToClient() {
      return bytes;
    },
    cutAfter(n) {
      cutAt = n;
      const done = new Promise<void>((resolve) => (onCut = resolve));
      check();
      return done;
    },
    dropAt(n) {
      return new Promise<void>((resolve) => {
        dropAt = { n, done: resolve };
        check();
      });
    },
    reached(n) {
      return new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        check();
      });
    },
    get bytesToTarget() {
      return upBytes;
    },
    dropUploadAt(n) {
      return new Promise<void>((resolve) => {
        dropUploadAt = { n, done: resolve };
        checkUpload();
      });
    },
    uploaded(n) {
      return new Promise<void>((resolve) => {
        upWaiters.push({ n, resolve });
        checkUpload();
      });
    },
    reset() {
      bytes = 0;
      upBytes = 0;
      dropUploadAt = undefined;
      cut = false;
      cutAt = undefined;
      onCut = undefined;
      dropAt = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitHost(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}
