// The container endpoints `docker run`, `ps`, `logs`, `stop`, `start`, `rm`, `export` and
// `commit` use: each turns the Engine API's shapes into ContainerService calls and back. Processes
// run in berthd itself (container-hub.ts); attach and logs are in container-output-routes.ts.
import { constants as osConstants } from 'node:os';
import { Writable } from 'node:stream';
import {
  checkContainerName,
  containerFilter,
  containerInspect,
  containerSummary,
  parseBind,
  parseRestartPolicy,
  parseTagReference,
  type ContainerConfig,
  type ContainerRecord,
  type RestartPolicy,
  type ContainerService,
  type ContainerSummary,
} from '@berth/core';
import { EngineError } from './engine-error.js';
import { boolParam, filterArgs } from './engine-filters.js';
import type { EngineRequest } from './image-routes.js';
import { LazyResponse } from './lazy-response.js';
import { ContainerHub, type WaitCondition } from './container-hub.js';

export interface ContainerDeps {
  hub: ContainerHub;
  applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig | Promise<ContainerConfig>;
}

/** The part of the create body (swagger ContainerConfig + HostConfig) berth acts on. */
interface CreateBody {
  Image?: unknown;
  Hostname?: unknown;
  Cmd?: unknown;
  Entrypoint?: unknown;
  Env?: unknown;
  WorkingDir?: unknown;
  User?: unknown;
  Tty?: unknown;
  OpenStdin?: unknown;
  AttachStdout?: unknown;
  Labels?: unknown;
  HostConfig?: { Binds?: unknown; NetworkMode?: unknown; AutoRemove?: unknown; RestartPolicy?: { Name?: unknown; MaximumRetryCount?: unknown } | null; ReadonlyRootfs?: unknown; Memory?: unknown; NanoCpus?: unknown } | null;
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new EngineError(400, `invalid ${field}: expected an array of strings`);
}

function text(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  throw new EngineError(400, `invalid ${field}: expected a string`);
}

/** berth has no bridge: dockerd's default network is the host's here, as `berth run`'s is. */
function networkMode(v: unknown): 'host' | 'none' {
  const mode = text(v, 'HostConfig.NetworkMode') ?? 'default';
  if (mode === 'default' || mode === 'bridge' || mode === 'host') return 'host';
  if (mode === 'none') return 'none';
  throw new EngineError(404, `network ${mode} not found: berthd runs containers with the host's network or none`);
}

export async function createContainer(hub: ContainerHub, body: CreateBody, r: EngineRequest): Promise<void> {
  const containers = hub.containers;
  const image = text(body.Image, 'Image');
  if (!image) throw new EngineError(400, 'Config cannot be empty in order to create a container');
  const nameParam = r.query.get('name');
  const entrypoint = strings(body.Entrypoint, 'Entrypoint');
  const labels = body.Labels && typeof body.Labels === 'object' ? (body.Labels as Record<string, string>) : undefined;
  const host = body.HostConfig ?? {};
  const binds = strings(host.Binds, 'HostConfig.Binds') ?? [];
  for (const b of binds) parseBind(b);
  const workdir = text(body.WorkingDir, 'WorkingDir');
  const user = text(body.User, 'User');
  const hostname = text(body.Hostname, 'Hostname');
  const rec = await containers.create({
    imageName: image,
    cmd: strings(body.Cmd, 'Cmd') ?? [],
    ...(entrypoint && entrypoint.length > 0 ? { entrypoint } : {}),
    env: strings(body.Env, 'Env') ?? [],
    ...(workdir ? { workdir } : {}),
    ...(user ? { user } : {}),
    ...(hostname ? { hostname } : {}),
    ...(labels ? { labels } : {}),
    tty: body.Tty === true,
    interactive: body.OpenStdin === true,
    detach: body.AttachStdout !== true,
    binds,
    network: networkMode(host.NetworkMode),
    autoRemove: host.AutoRemove === true,
    ...restartPolicyOf(host.RestartPolicy),
    readonlyRootfs: host.ReadonlyRootfs === true,
    ...(typeof host.Memory === 'number' && host.Memory > 0 ? { memory: host.Memory } : {}),
    ...(typeof host.NanoCpus === 'number' && host.NanoCpus > 0 ? { nanoCpus: host.NanoCpus } : {}),
    ...(nameParam ? { name: checkContainerName(nameParam) } : {}),
  });
  hub.emit(rec, 'create');
  await r.reply.code(201).header('content-type', 'application/json').send(`${JSON.stringify({ Id: rec.Id, Warnings: [] })}\n`);
}

/** HostConfig.RestartPolicy as dockerd checks it (the same rules as `--restart`). */
function restartPolicyOf(p: { Name?: unknown; MaximumRetryCount?: unknown } | null | undefined): { restart?: RestartPolicy } {
  if (!p || (p.Name ?? '') === '' || p.Name === 'no') return {};
  const count = typeof p.MaximumRetryCount === 'number' ? p.MaximumRetryCount : 0;
  return { restart: parseRestartPolicy(`${String(p.Name)}${count !== 0 ? `:${count}` : ''}`) };
}

/** GET /containers/json: moby's ContainerSummary for each container `ps` would list. */
export async function listContainers(containers: ContainerService, r: EngineRequest): Promise<unknown> {
  const all = await containers.list();
  const snapshot = await containers.images.snapshot();
  const filter = containerFilter(filterArgs(r.query.get('filters')), all, snapshot);
  let list = all.filter((c) => filter.matches(c));
  const limit = Number.parseInt(r.query.get('limit') ?? '', 10);
  if (limit > 0) list = list.slice(0, limit);
  else if (!boolParam(r.query.get('all')) && !filter.showsAll) list = list.filter((c) => c.State.Running);
  const now = new Date();
  const withSize = boolParam(r.query.get('size'));
  const out: ContainerSummary[] = [];
  for (const c of list) out.push({ ...containerSummary(c, snapshot, now), ...(withSize ? await containers.sizes(c, snapshot) : {}) });
  return out;
}

export async function inspectContainer(containers: ContainerService, name: string): Promise<unknown> {
  const c = await containers.find(name);
  return containerInspect(c, 'overlay2');
}

export async function startContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const rec = await hub.containers.find(name);
  if (rec.State.Running) return void (await r.reply.code(304).send());
  await hub.start(rec);
  await r.reply.code(204).send();
}

export async function stopContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const rec = await hub.containers.find(name);
  if (!rec.State.Running) return void (await r.reply.code(304).send());
  await stopTold(hub, rec, r);
  await r.reply.code(204).send();
}

/** Stops a running container as /stop does (`t` seconds, default 10, then SIGKILL), each signal and the stop told as events. */
async function stopTold(hub: ContainerHub, rec: ContainerRecord, r: EngineRequest): Promise<void> {
  const t = r.query.get('t');
  await hub.containers.stop(rec.Id, t === null || t === '' ? 10 : Number.parseInt(t, 10), (signal) => hub.emit(rec, 'kill', { signal: signalNumber(signal) }));
  hub.emit(rec, 'stop');
}

/** dockerd names a signal by its number in events (`"signal":"15"`). */
function signalNumber(signal: string): string {
  const name = `SIG${signal.toUpperCase().replace(/^SIG/, '')}` as NodeJS.Signals;
  const n = (osConstants.signals as Record<string, number>)[name];
  return n === undefined ? signal : String(n);
}

/** POST /restart: stopped as /stop does (`t` seconds, then SIGKILL), then started again. */
export async function restartContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const rec = await hub.containers.find(name);
  if (rec.State.Running) await stopTold(hub, rec, r);
  await hub.settled(rec.Id);
  await hub.start(await hub.containers.find(rec.Id));
  hub.emit(rec, 'restart');
  await r.reply.code(204).send();
}

export async function killContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const rec = await hub.containers.find(name);
  const signal = r.query.get('signal') || 'SIGKILL';
  await hub.containers.kill(rec.Id, signal);
  hub.emit(rec, 'kill', { signal: signalNumber(signal) });
  await r.reply.code(204).send();
}

export async function removeContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const force = boolParam(r.query.get('force'));
  const current = await hub.containers.find(name);
  // A running container goes by SIGKILL, which dockerd tells before the die.
  if (force && current.State.Running) hub.emit(current, 'kill', { signal: '9' });
  const rec = await hub.containers.remove(name, { force });
  hub.emit(rec, 'destroy');
  await r.reply.code(204).send();
}

/** POST /containers/prune: stopped containers go (no filters: berth's prune takes none yet). */
export async function pruneContainers(hub: ContainerHub, r: EngineRequest): Promise<unknown> {
  if (filterArgs(r.query.get('filters')).length > 0) throw new EngineError(501, 'container prune filters are not supported by berthd');
  // The records as they were, for the destroy events (dockerd's attributes: name, image, labels).
  const before = new Map((await hub.containers.list()).map((rec) => [rec.Id, rec]));
  const { deleted, reclaimed } = await hub.containers.prune();
  for (const id of deleted) {
    const rec = before.get(id);
    if (rec) hub.emit(rec, 'destroy');
  }
  hub.events?.emit('container', 'prune', '', { reclaimed: String(reclaimed) });
  // dockerd answers null for an empty list.
  return { ContainersDeleted: deleted.length > 0 ? deleted : null, SpaceReclaimed: reclaimed };
}

export async function renameContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const rec = await hub.containers.find(name);
  const renamed = await hub.containers.store.rename(rec.Id, checkContainerName(r.query.get('name') ?? ''));
  hub.emit(renamed, 'rename', { oldName: rec.Name });
  await r.reply.code(204).send();
}

/** POST /wait: headers at once (docker's client waits for them before it starts the container), the status at the exit. */
export async function waitContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const condition = (r.query.get('condition') || 'not-running') as WaitCondition;
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new EngineError(400, `invalid condition: "${condition}"`);
  const rec = await hub.containers.find(name);
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  const exit = hub.waitFor(rec, condition, out.signal);
  r.reply.raw.writeHead(200, { 'content-type': 'application/json' });
  r.reply.raw.flushHeaders();
  try {
    const status = await exit;
    r.reply.raw.end(`${JSON.stringify(status)}\n`);
  } catch {
    r.reply.raw.destroy();
  }
}

/**
 * HEAD and GET /containers/{id}/archive (`docker cp` out of a container): the path's stat in
 * X-Docker-Container-Path-Stat (base64 JSON), and with GET its tar, streamed.
 */
export async function containerArchive(containers: ContainerService, name: string, r: EngineRequest, head: boolean): Promise<void> {
  const path = r.query.get('path') ?? '';
  if (path === '') throw new EngineError(400, 'Path cannot be empty');
  const stat = Buffer.from(JSON.stringify(await containers.statPath(name, path))).toString('base64');
  if (head) return void (await r.reply.code(200).header('x-docker-container-path-stat', stat).send());
  const out = new LazyResponse(r.req, r.reply, 'application/x-tar');
  r.reply.raw.setHeader('x-docker-container-path-stat', stat);
  try {
    await containers.archivePath(name, path, out.writable());
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/** PUT /containers/{id}/archive (`docker cp` into a container): the body's tar, extracted into `path`. */
export async function extractToContainer(containers: ContainerService, name: string, r: EngineRequest): Promise<void> {
  const path = r.query.get('path') ?? '';
  if (path === '') throw new EngineError(400, 'Path cannot be empty');
  await containers.extractArchive(name, path, r.req.raw, { noOverwriteDirNonDir: boolParam(r.query.get('noOverwriteDirNonDir')), copyUIDGID: boolParam(r.query.get('copyUIDGID')) });
  await r.reply.code(200).send();
}

/** GET /containers/{id}/stats: StatsJSON, one a second with `stream` (the default), else one. */
export async function containerStats(containers: ContainerService, name: string, r: EngineRequest): Promise<void> {
  const stream = r.query.get('stream') === null ? true : boolParam(r.query.get('stream'));
  const oneShot = boolParam(r.query.get('one-shot'));
  if (stream && oneShot) throw new EngineError(400, 'cannot have stream=true and one-shot=true');
  await containers.find(name);
  r.reply.hijack();
  const res = r.reply.raw;
  res.writeHead(200, { 'content-type': 'application/json' });
  const stop = new AbortController();
  res.once('close', () => stop.abort());
  try {
    for await (const s of containers.stats(name, { stream, oneShot, signal: stop.signal })) res.write(`${JSON.stringify(s)}\n`);
  } finally {
    res.end();
  }
}

/** GET /export: the container's filesystem as a tar. */
export async function exportContainer(containers: ContainerService, name: string, r: EngineRequest): Promise<void> {
  await containers.find(name);
  const out = new LazyResponse(r.req, r.reply, 'application/x-tar');
  try {
    await containers.export(name, out.writable());
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/**
 * POST /commit: the container's changes as one layer on its image. The body's config fields
 * (docker commit sends none) replace the container's, then `changes` apply as `berth commit -c`.
 */
export async function commitContainer(deps: ContainerDeps, body: unknown, r: EngineRequest): Promise<void> {
  const q = r.query;
  const name = q.get('container') ?? '';
  if (name === '') throw new EngineError(400, 'No container name or ID supplied');
  const repo = q.get('repo') ?? '';
  const tag = q.get('tag') ?? '';
  const reference = repo === '' ? undefined : tag ? `${repo}:${tag}` : repo;
  if (reference) {
    try {
      parseTagReference(reference);
    } catch (err) {
      throw new EngineError(400, (err as Error).message);
    }
  }
  const containers = deps.hub.containers;
  const rec = await containers.find(name);
  const given = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const overrides = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)));
  const config = await deps.applyChanges({ ...structuredClone(rec.Config), ...(overrides as ContainerConfig) }, q.getAll('changes'));
  const comment = q.get('comment');
  const author = q.get('author');
  const id = await containers.commit(rec.Id, { config, ...(author ? { author } : {}), ...(comment ? { comment } : {}), ...(reference ? { tag: reference } : {}) });
  deps.hub.emit(rec, 'commit', { comment: comment ?? '', imageID: id, imageRef: reference ?? '' });
  await r.reply.code(201).header('content-type', 'application/json').send(`${JSON.stringify({ Id: id })}\n`);
}
