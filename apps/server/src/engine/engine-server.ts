// The Engine face on a listener of its own (`--engine-listen`): a unix socket or a TCP address,
// with /healthz and nothing of the registry face.
import Fastify, { type FastifyInstance } from 'fastify';
import { registerEngineFace, type EngineFaceOptions } from './engine-face.js';
import type { HttpsOptions } from '../tls.js';

export async function buildEngineServer(options: { engine: EngineFaceOptions; logLevel?: string | false; https?: HttpsOptions }): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    logger: options.logLevel === false ? false : { level: options.logLevel ?? 'info' },
    exposeHeadRoutes: false,
    // Loads and saves of large images take long; the socket's idle timeout still guards dead clients.
    requestTimeout: 0,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  app.get('/healthz', async () => ({ status: 'ok' }));
  await registerEngineFace(app, options.engine);
  return app;
}
