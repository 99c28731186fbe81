// berthd's HTTP server: fastify with pino logs, /healthz and the registry face over one store.
import Fastify, { type FastifyInstance } from 'fastify';
import type { StoreBackend } from '@berth/core';
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
  app.get('/healthz', async () => ({ status: 'ok' }));
  await registerRegistryFace(app, { backend: options.backend, root: options.root, ...(options.chunkMinLength !== undefined ? { chunkMinLength: options.chunkMinLength } : {}) });
  return app;
}
