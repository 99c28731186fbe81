// The Engine face on a listener of its own (`--engine-listen`): a unix socket or a TCP address,
// with /healthz and nothing of the registry face.
import type { FastifyInstance } from 'fastify';
import { registerEngineFace, type EngineFaceOptions } from './engine-face.js';
import type { HttpsOptions } from '../tls.js';
import { createFastify } from '../server.js';

export async function buildEngineServer(options: { engine: EngineFaceOptions; logLevel?: string | false; https?: HttpsOptions }): Promise<FastifyInstance> {
  const app = createFastify(options);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await registerEngineFace(app, options.engine);
  return app;
}
