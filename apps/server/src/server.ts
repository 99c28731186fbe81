// berthd's HTTP server: fastify with pino logs, /healthz, /metrics and the registry face over one store.
import Fastify, { type FastifyInstance } from 'fastify';
import type { StoreBackend } from '@berth/core';
import { Metrics, registerMetrics } from './metrics.js';
import { registerRegistryFace } from './registry/registry-face.js';

export interface ServerOptions {
  backend: StoreBackend;
  root: string;
  /** pino level; false turns logging off (tests). */
  logLevel?: string | false;
  chunkMinLength?: number;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logLevel === false ? false : { level: options.logLevel ?? 'info' },
    exposeHeadRoutes: false,
    // Blob uploads can take long; the socket's idle timeout still guards dead clients.
    requestTimeout: 0,
    return503OnClosing: true,
  });
  // Graceful close: requests in flight finish, and their answers close the connection, so no
  // keep-alive socket holds the shutdown open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  const metrics = new Metrics();
  registerMetrics(app, metrics, options.backend);
  await registerRegistryFace(app, {
    backend: options.backend,
    root: options.root,
    onUploadBytes: (n) => (metrics.bytesReceived += n),
    ...(options.chunkMinLength !== undefined ? { chunkMinLength: options.chunkMinLength } : {}),
  });
  return app;
}
