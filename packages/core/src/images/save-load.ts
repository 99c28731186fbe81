// `save` and `load`: copies between the store and a docker-archive (or OCI archive), choosing the
// images and names exactly as Docker's tarexport does.
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { SourceImage } from '../contracts/location.js';
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import type { StoreBackend } from '../contracts/plugin.js';
import { copyImages } from '../copy.js';
import { discardEvents, type EventSink } from '../events.js';
import { createDockerArchiveDestination, openArchiveSource } from '../archive/index.js';
import { familiarString, parseNormalizedReference, referenceString } from '../reference.js';
import { findImage } from './lookup.js';
import { StoreDestination } from './store-destination.js';
import { StoreSource } from './store-source.js';

/** Images to save and the tags each carries into the archive (tarexport parseNames). */
export function selectForSave(s: StoreSnapshot, names: readonly string[]): { record: ImageRecord; tags: string[] }[] {
  const chosen = new Map<Digest, { record: ImageRecord; tags: string[] }>();
  const add = (record: ImageRecord, tag?: string): void => {
    const entry = chosen.get(record.id) ?? { record, tags: [] };
    if (tag && !entry.tags.includes(tag)) entry.tags.push(tag);
    chosen.set(record.id, entry);
  };
  for (const name of names) {
    let ref;
    try {
      ref = parseNormalizedReference(name);
    } catch {
      ref = undefined;
    }
    // A repository name alone saves every tag of that repository.
    if (ref && !ref.tag && !ref.digest) {
      const repo = `${ref.domain}/${ref.path}:`;
      const tagged = [...s.tags].filter(([t]) => t.startsWith(repo) && !t.slice(repo.length).includes('/'));
      if (tagged.length > 0) {
        for (const [t, id] of tagged) add(s.images.get(id)!, t);
        continue;
      }
    }
    const found = findImage(s, name);
    add(found.record, found.byName?.tag ? referenceString(found.byName) : undefined);
  }
  return [...chosen.values()];
}

export async function saveImages(backend: StoreBackend, names: readonly string[], output: Writable, opts: { signal?: AbortSignal } = {}): Promise<void> {
  if (names.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'requires at least 1 argument');
  const snapshot = await backend.metadata.read();
  const selected = selectForSave(snapshot, names);
  const src = new StoreSource(backend, snapshot);
  const images: SourceImage[] = selected.map(({ record, tags }) => ({ descriptor: record.manifest, names: tags }));
  const dst = createDockerArchiveDestination(output);
  await copyImages(src, dst, images, { concurrency: 1, ...(opts.signal ? { signal: opts.signal } : {}) });
}

export interface LoadedImage {
  id: Digest;
  names: string[];
}

export async function loadImages(backend: StoreBackend, input: Readable, opts: { events?: EventSink; signal?: AbortSignal; stagingDir: string }): Promise<LoadedImage[]> {
  const events = opts.events ?? discardEvents;
  const src = await openArchiveSource(input, { stagingDir: opts.stagingDir, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    const images = await src.images();
    if (images.length === 0) throw new BerthError('ERR_ARCHIVE_INVALID', 'the archive holds no image');
    const dst = new StoreDestination(backend, { events });
    await dst.prime();
    const copied = await copyImages(src, dst, images, { events, progressVerb: 'Loading layer', ...(opts.signal ? { signal: opts.signal } : {}) });
    const loaded = copied.map((c) => ({ id: c.configDigest, names: c.names }));
    for (const l of loaded) {
      if (l.names.length === 0) events({ stream: `Loaded image ID: ${l.id}\n` });
      for (const n of l.names) events({ stream: `Loaded image: ${familiarString(parseNormalizedReference(n))}\n` });
    }
    return loaded;
  } finally {
    await src.close();
  }
}

