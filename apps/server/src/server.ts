// berthd's HTTP server: fastify with pino logs, /healthz, /metrics and the registry face over one store.
import Fastify, { type FastifyInstance } from 'fastify';
import type { StoreBackend } from '@berth/core';
import { Metrics, registerMetrics } from './metrics.js';
import { registerRegistryFace } from './registry/registry-face.js';
import type { RegistryAuth } from './auth/registry-auth.js';
import { registerTokenService } from './auth/token-service.js';
import type { HttpsOptions } from './tls.js';
import { registerEngineFace, type EngineFaceOptions } from './engine/engine-face.js';

export interface ServerOptions {
  backend: StoreBackend;
  root: string;
  /** pino level; false turns logging off (tests). */
  logLevel?: string | false;
  chunkMinLength?: number;
  /** The registry face's gate and token service; absent: an open registry. */
  auth?: RegistryAuth;
  /** Serve HTTPS with these (tls.ts). */
  https?: HttpsOptions;
  /** The Docker Engine API face on this server too (engine/engine-face.ts). */
  engine?: EngineFaceOptions;
  /** Counters /metrics shows; the caller passes its own to count what it does beside requests (gc). */
  metrics?: Metrics;
}

/** A fastify instance as both of berthd's listeners want it: pino logs, no request deadline. */
export function createFastify(options: { logLevel?: string | false; https?: HttpsOptions }): FastifyInstance {
  // The https variant of fastify's instance type differs only in its raw server class.
  return Fastify({
    ...(options.https ? { https: options.https } : {}),
    logger: options.logLevel === false ? false : { level: options.logLevel ?? 'info' },
    exposeHeadRoutes: false,
    // Blob uploads, loads and saves can take long; the socket's idle timeout still guards dead clients.
    requestTimeout: 0,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = createFastify(options);
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
  const metrics = options.metrics ?? new Metrics();
  registerMetrics(app, metrics, options.backend);
  await registerRegistryFace(app, {
    backend: options.backend,
    root: options.root,
    onUploadBytes: (n) => (metrics.bytesReceived += n),
    ...(options.chunkMinLength !== undefined ? { chunkMinLength: options.chunkMinLength } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
  });
  if (options.auth) await registerTokenService(app, options.auth);
  if (options.engine) await registerEngineFace(app, options.engine);
  return app;
}
