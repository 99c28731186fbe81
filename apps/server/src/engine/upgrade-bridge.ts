// Node hands a request with `Connection: Upgrade` (docker's attach) to the server's 'upgrade'
// listeners with the bare socket, detached from the HTTP parser — which a hijacked stream needs,
// since stdin bytes and a half-close follow on it. The bridge gives such a request a response
// object and routes it through fastify, so auth, version checks and errors apply as for any other.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

export function routeUpgrades(app: FastifyInstance): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (head.length > 0) socket.unshift(head);
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as import('node:net').Socket);
    // An ordinary answer (an error before the takeover) closes the connection after it.
    res.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    app.routing(req, res);
  });
}
