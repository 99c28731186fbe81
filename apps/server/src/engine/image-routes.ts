// The image endpoints that answer from the store alone: list, inspect, history, tag, remove, prune,
// save and load. Each is one ImageService call; the Engine API shapes come from core.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseTagReference, systemDiskUsage, type ContainerService, type ImageService, type ProgressEvent } from '@berth/core';
import { compareVersions } from './api-version.js';
import { EngineError } from './engine-error.js';
import { boolParam, filterArgs } from './engine-filters.js';
import { LazyResponse } from './lazy-response.js';
import type { EngineEvents } from './engine-events.js';

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

export async function pruneImages(images: ImageService, r: EngineRequest, events?: EngineEvents): Promise<unknown> {
  // The CLI says `dangling=false` for -a; core reads the dangling filter the same way.
  const result = await images.prune({ all: false, filters: filterArgs(r.query.get('filters')) });
  if (events) {
    emitRemovals(events, result.deleted);
    events.emit('image', 'prune', '', { reclaimed: String(result.reclaimed) });
  }
  return { ImagesDeleted: result.deleted.length > 0 ? result.deleted : null, SpaceReclaimed: result.reclaimed };
}

/** `docker save`: the archive streams as it is written; an unknown name is a 404 before any byte. */
export async function saveImages(images: ImageService, names: string[], r: EngineRequest, events?: EngineEvents): Promise<void> {
  const out = new LazyResponse(r.req, r.reply, 'application/x-tar');
  try {
    if (names.length === 0) throw new EngineError(400, 'no image names given');
    await images.save(names, out.writable(), { signal: out.signal });
    // One event an image (two names of one image are one save), named by its ID, as dockerd's.
    if (events) for (const id of new Set(await Promise.all(names.map(async (n) => (await images.inspect(n)).Id)))) events.emit('image', 'save', id, { name: id });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/** `docker load`: the body is the archive; progress (or, with `quiet`, only `Loaded image:` lines) as JSON messages. */
export async function loadImages(images: ImageService, r: EngineRequest, engineEvents?: EngineEvents): Promise<void> {
  const quiet = boolParam(r.query.get('quiet'));
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  const events = quiet ? (e: ProgressEvent) => (e.stream !== undefined || e.error !== undefined ? out.messages(e) : undefined) : out.progress;
  try {
    const loaded = await images.load(r.req.raw, { events, signal: out.signal });
    for (const image of loaded) engineEvents?.emit('image', 'load', image.id, { name: image.id });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/**
 * The events of an image removal (rmi, prune), as dockerd's: each untag names the image by its ID
 * (the ID the following `Deleted` record, or the untagged image, has), then each delete.
 */
export function emitRemovals(events: EngineEvents, records: readonly { Untagged?: string; Deleted?: string }[], untaggedId?: string): void {
  let untags = 0;
  for (const rec of records) {
    if (rec.Untagged) {
      untags++;
      continue;
    }
    if (rec.Deleted) {
      const id = rec.Deleted;
      for (; untags > 0; untags--) events.emit('image', 'untag', untaggedId ?? id, { name: untaggedId ?? id });
      events.emit('image', 'delete', id, { name: id });
    }
  }
  // Untags with no delete after them (the image keeps other names): they name the image given.
  if (untaggedId) for (; untags > 0; untags--) events.emit('image', 'untag', untaggedId, { name: untaggedId });
}

/** `docker system df`: the images with their shared sizes and the layers' total; berthd runs no containers, volumes or build cache. */
export async function systemDf(images: ImageService, containers: ContainerService | undefined, r: EngineRequest): Promise<unknown> {
  const types = r.query.getAll('type');
  const want = (t: string): boolean => types.length === 0 || types.includes(t);
  return systemDiskUsage(images, containers, { images: want('image'), containers: want('container') });
}
