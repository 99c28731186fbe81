// The image endpoints that answer from the store alone: list, inspect, history, tag, remove, prune,
// save and load. Each is one ImageService call; the Engine API shapes come from core.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseTagReference, systemDiskUsage, type ContainerService, type ImageService, type ProgressEvent } from '@berth/core';
import { compareVersions } from './api-version.js';
import { EngineError } from './engine-error.js';
import { boolParam, filterArgs } from './engine-filters.js';
import { LazyResponse } from './lazy-response.js';

export interface EngineRequest {
  req: FastifyRequest;
  reply: FastifyReply;
  query: URLSearchParams;
  /** The API version the client asked for (the newest when unversioned). */
  version: string;
}

export async function listImages(images: ImageService, r: EngineRequest): Promise<unknown> {
  const list = await images.list({ all: boolParam(r.query.get('all')), filters: filterArgs(r.query.get('filters')), sharedSize: boolParam(r.query.get('shared-size')) });
  // VirtualSize left the answer in 1.44.
  if (compareVersions(r.version, '1.44') < 0) return list.map((i) => ({ ...i, VirtualSize: i.Size }));
  return list;
}

export async function inspectImage(images: ImageService, name: string, r: EngineRequest): Promise<unknown> {
  const out: Record<string, unknown> = { ...(await images.inspect(name)) };
  if (compareVersions(r.version, '1.44') >= 0) delete out.VirtualSize;
  // 1.52 omits these when empty (the legacy builder set them).
  if (compareVersions(r.version, '1.52') >= 0) for (const k of ['Parent', 'Comment', 'DockerVersion', 'Author']) if (out[k] === '') delete out[k];
  return out;
}

export async function tagImage(images: ImageService, name: string, r: EngineRequest): Promise<void> {
  const repo = r.query.get('repo') ?? '';
  const tag = r.query.get('tag') ?? '';
  if (repo === '') throw new EngineError(400, 'repository name must have at least one component');
  const target = tag ? `${repo}:${tag}` : repo;
  parseTagReference(target); // a bad name is a 400, before the store is locked
  await images.tag(name, target);
  await r.reply.code(201).send();
}

export async function removeImage(images: ImageService, name: string, r: EngineRequest): Promise<unknown> {
  return images.remove(name, { force: boolParam(r.query.get('force')), noPrune: boolParam(r.query.get('noprune')) });
}

export async function pruneImages(images: ImageService, r: EngineRequest): Promise<unknown> {
  // The CLI says `dangling=false` for -a; core reads the dangling filter the same way.
  const result = await images.prune({ all: false, filters: filterArgs(r.query.get('filters')) });
  return { ImagesDeleted: result.deleted.length > 0 ? result.deleted : null, SpaceReclaimed: result.reclaimed };
}

/** `docker save`: the archive streams as it is written; an unknown name is a 404 before any byte. */
export async function saveImages(images: ImageService, names: string[], r: EngineRequest): Promise<void> {
  const out = new LazyResponse(r.req, r.reply, 'application/x-tar');
  try {
    if (names.length === 0) throw new EngineError(400, 'no image names given');
    await images.save(names, out.writable(), { signal: out.signal });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/** `docker load`: the body is the archive; progress (or, with `quiet`, only `Loaded image:` lines) as JSON messages. */
export async function loadImages(images: ImageService, r: EngineRequest): Promise<void> {
  const quiet = boolParam(r.query.get('quiet'));
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  const events = quiet ? (e: ProgressEvent) => (e.stream !== undefined || e.error !== undefined ? out.messages(e) : undefined) : out.progress;
  try {
    await images.load(r.req.raw, { events, signal: out.signal });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/** `docker system df`: the images with their shared sizes and the layers' total; berthd runs no containers, volumes or build cache. */
export async function systemDf(images: ImageService, containers: ContainerService | undefined, r: EngineRequest): Promise<unknown> {
  const types = r.query.getAll('type');
  const want = (t: string): boolean => types.length === 0 || types.includes(t);
  return systemDiskUsage(images, containers, { images: want('image'), containers: want('container') });
}
