// berthd's start-up: the same composition root as the CLI (core + store-fs), then the HTTP server
// on a loopback address; SIGTERM/SIGINT close it gracefully (requests in flight finish first).
import type { FastifyInstance } from 'fastify';
import { compose, readBerthConfig, transferConcurrency, Tokens, type ContainerService, type ImageService, type LazyPlugin, type PluginHost, type StoreBackend } from '@berth/core';
import { storeFsPlugin } from '@berth/store-fs';
import { buildServer } from './server.js';
import type { AuthConfig } from './auth/auth-config.js';
import { RegistryAuth } from './auth/registry-auth.js';
import { httpsOptions, type TlsConfig } from './tls.js';
import { isLoopbackListen, refuseOpenListen } from './listen-policy.js';
import type { EngineFaceOptions } from './engine/engine-face.js';
import { buildEngineServer } from './engine/engine-server.js';
import { collectGarbage } from './gc/gc.js';
import { Metrics } from './metrics.js';
import { checkEngineListen, clearStaleSocket, parseEngineListen } from './engine/engine-listen.js';

/** The registry client, imported when the Engine face first pulls, pushes or searches. */
const registryDistributionLazy: LazyPlugin = {
  name: '@berth/registry-distribution',
  provides: ['registry:distribution'],
  load: async () => (await import('@berth/registry-distribution')).registryDistributionPlugin,
};

/** The container runtime, for the RUN steps of builds sent to the Engine face. */
const runtimeOciLazy: LazyPlugin = {
  name: '@berth/runtime-oci',
  provides: ['runtime:oci'],
  load: async () => (await import('@berth/runtime-oci')).runtimeOciPlugin,
};

export interface BerthdOptions {
  root: string;
  listen: string;
  logLevel?: string | false;
  chunkMinLength?: number;
  /** The registry face's auth (config file `auth`); absent: an open registry. */
  auth?: AuthConfig;
  /** HTTPS (and client certificates with `ca`). */
  tls?: TlsConfig;
  /**
   * The Docker Engine API face: `unix:///path.sock`, `tcp://HOST:PORT`, `off`, or unset for the
   * main listen address (skipped with a warning when that is open to the network without TLS
   * client certificates or auth; an explicit such address is refused).
   */
  engineListen?: string;
  /** Run garbage collection this often (gc/gc.ts); absent: only `berthd gc` collects. */
  gcIntervalMs?: number;
}

export interface RunningBerthd {
  app: FastifyInstance;
  /** `http(s)://host:port` it answers on. */
  url: string;
  /** Where the Engine face answers (`unix:///…`, `http://…`), unless it is off. */
  engineUrl?: string;
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
  const engineListen = parseEngineListen(options.engineListen);
  const security = { ...(options.auth ? { auth: options.auth } : {}), ...(options.tls ? { tls: options.tls } : {}) };
  checkEngineListen(engineListen, security);
  // The plugins berth's config file names load here too, so a third-party store serves berthd.
  const berthConfig = await readBerthConfig();
  const c = await compose({ root: options.root, plugins: [storeFsPlugin], lazyPlugins: [registryDistributionLazy, runtimeOciLazy], config: berthConfig });
  const backend = c.resolve<StoreBackend>(Tokens.StoreBackend);
  const auth = options.auth ? await RegistryAuth.create(options.auth, options.root, options.tls !== undefined) : undefined;
  const pluginHost = c.resolve<PluginHost>(Tokens.PluginHost);
  const engine: EngineFaceOptions = {
    images: c.resolve<ImageService>(Tokens.ImageService),
    root: options.root,
    registryAdapter: (h) => pluginHost.registryAdapter(h),
    // dockerd's daemon.json keys, from berth's config file as for the CLI.
    concurrency: transferConcurrency(berthConfig),
    // `changes` are Dockerfile instructions, parsed by the same frontend `berth import --change` uses.
    applyChanges: async (config, changes) => (changes.length === 0 ? config : (await import('@berth/builder-dockerfile')).applyDockerfileChanges(config, changes)),
    // A build's RUN steps: the runtime plugin loads at the first one.
    openRuntime: () => pluginHost.openRuntime({ root: options.root }),
    ...(c.isRegistered(Tokens.ContainerService) ? { containers: c.resolve<ContainerService>(Tokens.ContainerService) } : {}),
  };
  // Beyond loopback because auth is configured (not TLS client certificates): every request needs credentials.
  const engineAddress = engineListen.kind === 'main' ? options.listen : engineListen.kind === 'tcp' ? engineListen.address : undefined;
  if (auth && !options.tls?.ca && engineAddress !== undefined && !isLoopbackListen(engineAddress)) engine.identify = (req, reply) => auth.identify(req, reply);
  // Unset: the main address too, unless that would open the Engine face to the network.
  const mainRefusal = engineListen.kind === 'main' ? refuseOpenListen(options.listen, security, 'Docker Engine API') : undefined;
  const metrics = new Metrics();
  const app = await buildServer({
    metrics,
    backend,
    root: options.root,
    ...(engineListen.kind === 'main' && !mainRefusal ? { engine } : {}),
    ...(auth ? { auth } : {}),
    ...(options.tls ? { https: await httpsOptions(options.tls) } : {}),
    ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    ...(options.chunkMinLength !== undefined ? { chunkMinLength: options.chunkMinLength } : {}),
  });
  await app.listen({ host, port });
  if (auth && !options.tls && !isLoopbackListen(options.listen)) {
    app.log.warn({ listen: options.listen }, 'auth without TLS on a non-loopback address: passwords and tokens cross the network in clear text (add --tls-cert/--tls-key)');
  }
  const stopGc = options.gcIntervalMs ? scheduleGc(app, metrics, backend, options.root, options.gcIntervalMs) : () => {};
  if (mainRefusal) app.log.warn(`${mainRefusal}; the Docker Engine API is not served there (--engine-listen unix:///PATH serves it on a socket)`);
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${options.tls ? 'https' : 'http'}://${shownHost}:${bound}`;
  const close = async (): Promise<void> => {
    stopGc();
    await app.close();
  };
  if (engineListen.kind === 'main') return { app, url, ...(mainRefusal ? {} : { engineUrl: url }), close };
  if (engineListen.kind === 'off') return { app, url, close };
  // A listener of its own; TLS (and client certificates) apply to a TCP one as to the main one.
  const tls = engineListen.kind === 'tcp' && options.tls ? { https: await httpsOptions(options.tls) } : {};
  const engineApp = await buildEngineServer({ engine, ...tls, ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}) });
  let engineUrl: string;
  if (engineListen.kind === 'unix') {
    await clearStaleSocket(engineListen.path);
    await engineApp.listen({ path: engineListen.path });
    engineUrl = `unix://${engineListen.path}`;
  } else {
    await engineApp.listen({ host: engineListen.host, port: engineListen.port });
    const a = engineApp.server.address();
    const h = engineListen.host.includes(':') ? `[${engineListen.host}]` : engineListen.host;
    engineUrl = `${options.tls ? 'https' : 'http'}://${h}:${typeof a === 'object' && a ? a.port : engineListen.port}`;
  }
  engineApp.log.info({ engine: engineUrl }, 'Docker Engine API listening');
  return { app, url, engineUrl, close: async () => void (await Promise.all([close(), engineApp.close()])) };
}

/** Collections on a timer, one at a time, stopped when the server closes. */
function scheduleGc(app: FastifyInstance, metrics: Metrics, backend: StoreBackend, root: string, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    collectGarbage({ backend, root })
      .then((r) => {
        metrics.recordGc(r);
        app.log.info({ deleted: r.deleted.length, reclaimed: r.reclaimed, young: r.young, referenced: r.referenced }, 'garbage collection');
      })
      .catch((err: unknown) => app.log.error({ err }, 'garbage collection failed'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
