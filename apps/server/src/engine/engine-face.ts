// The Docker Engine API face: the image endpoints of the swagger so the docker CLI works with
// DOCKER_HOST pointing at berthd. One catch-all route per scope matches paths itself (dockerd's
// `/v1.xx/` prefix, image names with slashes), checks the version, then calls ImageService.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ContainerRuntime, ContainerService, ImageService } from '@berth/core';
import { API_VERSION, splitVersion, unsupportedVersion } from './api-version.js';
import { EngineError, toEngineError } from './engine-error.js';
import { emitRemovals, inspectImage, listImages, loadImages, pruneImages, removeImage, saveImages, systemDf, tagImage, type EngineRequest } from './image-routes.js';
import { info, ping, version, BERTHD_VERSION } from './system-routes.js';
import { auth, createImage, pushImage, searchImages, type TransferDeps } from './transfer-routes.js';
import { buildRoute } from './build-route.js';
import { ContainerHub } from './container-hub.js';
import {
  containerArchive, containerStats, extractToContainer,
  commitContainer,
  createContainer,
  exportContainer,
  inspectContainer,
  killContainer,
  restartContainer,
  listContainers,
  pruneContainers,
  removeContainer,
  renameContainer,
  startContainer,
  stopContainer,
  waitContainer,
} from './container-routes.js';
import { attachContainer, containerLogs } from './container-output-routes.js';
import { routeUpgrades, upgradeBodies } from './upgrade-bridge.js';
import { EngineEvents, streamEvents } from './engine-events.js';
import { createExec, ExecInstances, inspectExec, startExec } from './exec-routes.js';
import type { AuthConfigBody } from './registry-auth-header.js';
import type { Identity } from '../auth/registry-auth.js';
import { familiarString, insecureHosts, parseNormalizedReference } from '@berth/core';

export interface EngineFaceOptions extends TransferDeps {
  images: ImageService;
  root: string;
  /** The container runtime for a build's RUN steps (opened on the first one). */
  openRuntime?: () => Promise<ContainerRuntime>;
  /** The containers `docker run`, `ps`, `commit` act on; absent when the store keeps none (501). */
  containers?: ContainerService;
  /**
   * When the face may listen beyond loopback because auth is configured: who the request is.
   * Anonymous requests are refused (401); absent, every request is served.
   */
  identify?: (req: FastifyRequest, reply: FastifyReply) => Promise<Identity>;
}

const MAX_AUTH_BODY = 64 * 1024;

async function readJsonBody(req: FastifyRequest): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  const upgraded = upgradeBodies.get(req.raw);
  if (upgraded) chunks.push(upgraded);
  else {
    for await (const c of req.raw as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_AUTH_BODY) throw new EngineError(413, 'request body too large');
      chunks.push(c);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new EngineError(400, 'invalid JSON body');
  }
}

/** `/images/NAME/json` → NAME and `json`; names keep their slashes, colons and `@`. */
function imageAction(path: string): { name: string; action: string } | undefined {
  const m = /^\/images\/(.+?)(?:\/(json|history|tag|push|get))?$/.exec(path);
  if (!m) return undefined;
  return { name: m[1]!, action: m[2] ?? '' };
}

/** `/containers/ID/start` → ID and `start`. */
function containerAction(path: string): { name: string; action: string } | undefined {
  const m = /^\/containers\/([^/]+)(?:\/(json|start|stop|restart|kill|wait|attach|logs|export|resize|rename|exec|archive|top|stats|changes|pause|unpause))?$/.exec(path);
  if (!m || m[1] === 'json' || m[1] === 'create' || m[1] === 'prune') return undefined;
  return { name: m[1]!, action: m[2] ?? '' };
}

/** `/exec/ID/start` → ID and `start`. */
function execAction(path: string): { id: string; action: string } | undefined {
  const m = /^\/exec\/([^/]+)\/(start|json|resize)$/.exec(path);
  return m ? { id: m[1]!, action: m[2]! } : undefined;
}

/** JSON as dockerd writes it: the docker client reads an error body only under exactly `application/json`. */
function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.header('content-type', 'application/json').serializer((v: unknown) => v as string).send(`${JSON.stringify(body)}\n`);
}

export async function registerEngineFace(app: FastifyInstance, options: EngineFaceOptions): Promise<void> {
  const { images } = options;
  const events = new EngineEvents();
  const transfer = { ...options, events };
  const hub = options.containers ? new ContainerHub(options.containers, events) : undefined;
  const execs = hub ? new ExecInstances(hub.containers, hub) : undefined;
  const needHub = (): ContainerHub => {
    if (!hub) throw new EngineError(501, 'this store keeps no containers');
    return hub;
  };

  const dispatch = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const url = new URL(req.url, 'http://engine');
    const split = splitVersion(decodeURIComponent(url.pathname));
    if (!split) throw new EngineError(404, 'page not found');
    if (split.explicit) {
      const refused = unsupportedVersion(split.version);
      if (refused) throw new EngineError(400, refused);
    }
    const { path } = split;
    const method = req.method;
    if (path === '/_ping' && (method === 'GET' || method === 'HEAD')) return ping(reply, method === 'HEAD');
    if (options.identify) {
      const who = await options.identify(req, reply);
      if (who.kind === 'anonymous') throw new EngineError(401, 'authentication required');
    }
    const r: EngineRequest = { req, reply, query: url.searchParams, version: split.version };
    switch (`${method} ${path}`) {
      case 'GET /version':
        return version();
      case 'GET /info':
        return info(images, options.root, insecureHosts(), options.containers);
      case 'GET /system/df':
        return systemDf(images, options.containers, r);
      case 'GET /images/json':
        return listImages(images, r);
      case 'POST /images/create':
        return createImage(transfer, r);
      case 'POST /images/prune':
        return pruneImages(images, r, events);
      case 'GET /images/search':
        return searchImages(options, r);
      case 'GET /images/get':
        return saveImages(images, url.searchParams.getAll('names'), r, events);
      case 'POST /images/load':
        return loadImages(images, r, events);
      case 'POST /build':
        return buildRoute(options, r);
      case 'POST /auth':
        return auth(options, (await readJsonBody(req)) as AuthConfigBody);
      case 'GET /events':
        return streamEvents(events, r);
      case 'GET /containers/json':
        return listContainers(needHub().containers, r);
      case 'POST /containers/create':
        return createContainer(needHub(), (await readJsonBody(req)) as Parameters<typeof createContainer>[1], r);
      case 'POST /containers/prune':
        return pruneContainers(needHub(), r);
      // berthd has no networks and no BuildKit cache (the classic builder's cache is images):
      // `docker system prune` asks, and nothing goes.
      case 'POST /networks/prune':
        return { NetworksDeleted: null };
      case 'POST /build/prune':
        return { CachesDeleted: null, SpaceReclaimed: 0 };
      case 'POST /commit':
        return commitContainer({ hub: needHub(), applyChanges: options.applyChanges }, await readJsonBody(req), r);
    }
    const container = containerAction(path);
    if (container) {
      const { name, action } = container;
      const h = needHub();
      switch (`${method} ${action}`) {
        case 'GET json':
          return inspectContainer(h.containers, name);
        case 'POST start':
          return startContainer(h, name, r);
        case 'POST stop':
          return stopContainer(h, name, r);
        case 'POST kill':
          return killContainer(h, name, r);
        case 'POST wait':
          return waitContainer(h, name, r);
        case 'POST attach':
          return attachContainer(h, name, r);
        case 'GET logs':
          return containerLogs(h.containers, name, r);
        case 'GET export':
          return exportContainer(h.containers, name, r);
        case 'HEAD archive':
        case 'GET archive':
          return containerArchive(h.containers, name, r, method === 'HEAD');
        case 'POST restart':
          return restartContainer(h, name, r);
        case 'POST pause':
        case 'POST unpause': {
          const rec = action === 'pause' ? await h.containers.pause(name) : await h.containers.unpause(name);
          h.emit(rec, action);
          return reply.code(204).send();
        }
        case 'GET changes': {
          // moby's archive.ChangeType numbers; no changes is null, as dockerd encodes a nil slice.
          const changes = await h.containers.changes(name);
          const kinds = { modified: 0, added: 1, deleted: 2 } as const;
          return changes.length === 0 ? reply.type('application/json').send('null\n') : changes.map((c) => ({ Path: c.path, Kind: kinds[c.kind] }));
        }
        case 'GET stats':
          return containerStats(h.containers, name, r);
        case 'GET top':
          return h.containers.top(name, r.query.get('ps_args') ?? '');
        case 'PUT archive':
          return extractToContainer(h.containers, name, r);
        case 'POST rename':
          return renameContainer(h, name, r);
        case 'POST resize':
          // berthd's TTY containers keep the size they started with.
          await h.containers.find(name);
          return reply.code(200).send();
        case 'DELETE ':
          return removeContainer(h, name, r);
        case 'POST exec':
          return createExec(execs!, name, (await readJsonBody(req)) as Parameters<typeof createExec>[2], r);
      }
    }
    const exec = execAction(path);
    if (exec && execs) {
      if (method === 'POST' && exec.action === 'start') return startExec(execs, exec.id, (await readJsonBody(req)) as Parameters<typeof startExec>[2], r);
      if (method === 'GET' && exec.action === 'json') return inspectExec(execs, exec.id);
      if (method === 'POST' && exec.action === 'resize') {
        execs.get(exec.id);
        return reply.code(200).send();
      }
    }
    const image = imageAction(path);
    if (image) {
      const { name, action } = image;
      if (method === 'GET' && action === 'json') return inspectImage(images, name, r);
      if (method === 'GET' && action === 'history') return images.history(name);
      if (method === 'GET' && action === 'get') return saveImages(images, [name], r, events);
      if (method === 'POST' && action === 'tag') {
        await tagImage(images, name, r);
        const repo = r.query.get('repo') ?? '';
        const tag = r.query.get('tag') ?? '';
        const target = tag ? `${repo}:${tag}` : repo;
        events.emit('image', 'tag', (await images.inspect(target)).Id, { name: familiarString(parseNormalizedReference(target)) });
        return reply;
      }
      if (method === 'POST' && action === 'push') return pushImage(transfer, name, r);
      if (method === 'DELETE' && action === '') {
        const id = (await images.inspect(name)).Id;
        const result = (await removeImage(images, name, r)) as { Untagged?: string; Deleted?: string }[];
        emitRemovals(events, result, id);
        return result;
      }
    }
    throw new EngineError(404, 'page not found');
  };

  if (hub) {
    routeUpgrades(app);
    // Before the server stops accepting: the processes end, so their attached clients let go.
    app.addHook('preClose', async () => hub.close());
  }

  await app.register(async (scope) => {
    // Bodies (archives, tarballs) are streams the endpoints read themselves.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.addHook('onRequest', async (_req, reply) => {
      // Set on the raw response, so streamed (hijacked) answers carry them too.
      reply.raw.setHeader('api-version', API_VERSION);
      reply.raw.setHeader('docker-experimental', 'false');
      reply.raw.setHeader('ostype', 'linux');
      reply.raw.setHeader('server', `berthd/${BERTHD_VERSION} (linux)`);
    });
    scope.setErrorHandler((err, req, reply) => {
      const e = toEngineError(err);
      if (e.status >= 500) req.log.error({ err }, 'engine request failed');
      else req.log.info({ status: e.status }, e.message);
      return sendJson(reply.code(e.status), { message: e.message });
    });
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      url: '/*',
      handler: async (req, reply) => {
        const result = await dispatch(req, reply);
        if (reply.sent || reply.raw.headersSent) return reply;
        return sendJson(reply.code(200), result);
      },
    });
  });
}
