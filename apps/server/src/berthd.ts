// berthd's start-up: the same composition root as the CLI (core + store-fs), then the HTTP server
// on a loopback address; SIGTERM/SIGINT close it gracefully (requests in flight finish first).
import type { FastifyInstance } from 'fastify';
import { compose, readBerthConfig, Tokens, type StoreBackend } from '@berth/core';
import { storeFsPlugin } from '@berth/store-fs';
import { buildServer } from './server.js';
import type { AuthConfig } from './auth/auth-config.js';
import { RegistryAuth } from './auth/registry-auth.js';
import { httpsOptions, type TlsConfig } from './tls.js';
import { isLoopbackListen } from './listen-policy.js';

export interface BerthdOptions {
  root: string;
  listen: string;
  logLevel?: string | false;
  chunkMinLength?: number;
  /** The registry face's auth (config file `auth`); absent: an open registry. */
  auth?: AuthConfig;
  /** HTTPS (and client certificates with `ca`). */
  tls?: TlsConfig;
}

export interface RunningBerthd {
  app: FastifyInstance;
  /** `http(s)://host:port` it answers on. */
  url: string;
  close(): Promise<void>;
}

/** `host:port`, `[v6]:port` or `:port` (loopback). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`invalid --listen ${JSON.stringify(listen)}: expected HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid --listen port ${port}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export async function startBerthd(options: BerthdOptions): Promise<RunningBerthd> {
  const { host, port } = parseListen(options.listen);
  // The plugins berth's config file names load here too, so a third-party store serves berthd.
  const c = await compose({ root: options.root, plugins: [storeFsPlugin], config: await readBerthConfig() });
  const backend = c.resolve<StoreBackend>(Tokens.StoreBackend);
  const auth = options.auth ? await RegistryAuth.create(options.auth, options.root, options.tls !== undefined) : undefined;
  const app = await buildServer({
    backend,
    root: options.root,
    ...(auth ? { auth } : {}),
    ...(options.tls ? { https: await httpsOptions(options.tls) } : {}),
    ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    ...(options.chunkMinLength !== undefined ? { chunkMinLength: options.chunkMinLength } : {}),
  });
  await app.listen({ host, port });
  if (auth && !options.tls && !isLoopbackListen(options.listen)) {
    app.log.warn({ listen: options.listen }, 'auth without TLS on a non-loopback address: passwords and tokens cross the network in clear text (add --tls-cert/--tls-key)');
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { app, url: `${options.tls ? 'https' : 'http'}://${shownHost}:${bound}`, close: () => app.close() };
}
