// Node hands a request with `Connection: Upgrade` (docker's attach and exec start) to the
// server's 'upgrade' listeners with the bare socket, detached from the HTTP parser — which a
// hijacked stream needs, since stdin bytes and a half-close follow on it. The bridge gives such a
// request its body (exec start sends JSON) and a response object, and routes it through fastify,
// so auth, version checks and errors apply as for any other request.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/**
 * The bodies of upgraded requests, read here: Node has already ended such a request's own stream
 * (what follows the headers belongs to the socket), so the routes look their body up here.
 */
export const upgradeBodies = new WeakMap<IncomingMessage, Buffer>();

/** A hijacked request's body is small JSON; anything larger is not one berthd answers. */
const MAX_UPGRADE_BODY = 64 * 1024;

/** The first `n` bytes after the headers (in `head`, then from the socket); the rest stays on the socket. */
function readBody(socket: Duplex, head: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = head;
    const finish = (): void => {
      socket.off('data', onData).off('end', onEnd).off('error', reject);
      socket.pause();
      if (got.length > n) socket.unshift(got.subarray(n));
      resolve(got.subarray(0, n));
    };
    const onData = (c: Buffer): void => {
      got = Buffer.concat([got, c]);
      if (got.length >= n) finish();
    };
    const onEnd = (): void => reject(new Error('the connection ended inside the request body'));
    if (got.length >= n) return finish();
    socket.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

export function routeUpgrades(app: FastifyInstance): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const length = Number(req.headers['content-length'] ?? 0);
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_UPGRADE_BODY) {
      socket.end('HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n');
      return;
    }
    void readBody(socket, head, length).then(
      (body) => {
        upgradeBodies.set(req, body);
        const res = new ServerResponse(req);
        res.shouldKeepAlive = false;
        res.assignSocket(socket as Socket);
        // An ordinary answer (an error before the takeover) closes the connection after it.
        res.once('finish', () => socket.end());
        app.routing(req, res);
      },
      () => socket.destroy(),
    );
  });
}
