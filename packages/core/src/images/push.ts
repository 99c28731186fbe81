// `push`: store images to a registry adapter with the messages dockerd streams (`The push refers
// to repository […]`, each layer's lines, `TAG: digest: … size: …` and the aux record). The CLI
// and berthd's Engine face both call this.
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import { copyImages } from '../copy.js';
import type { RegistryAdapter, RegistryOpenOptions } from '../contracts/registry.js';
import type { StoreBackend } from '../contracts/plugin.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import { discardEvents, type EventSink } from '../events.js';
import { familiarName, familiarString, parseNormalizedReference, referenceString, repositoryName, type Reference } from '../reference.js';
import { StoreSource } from './store-source.js';
import { pushEvents } from './transfer-events.js';

export interface PushOptions {
  registry?: RegistryOpenOptions;
  events?: EventSink;
  signal?: AbortSignal;
  /** Where upload sessions are remembered for resuming (RegistryDestinationOptions.uploadSessions). */
  uploadSessions?: string;
  /** Layers uploaded at once (default 3). */
  concurrency?: number;
}

export interface PushResult {
  reference: Reference;
  digest: Digest;
  size: number;
}

/** What `push NAME` sends: the one tag named, or every tag of the repository when none is (`-a`). */
export function pushTargets(snapshot: StoreSnapshot, ref: Reference): Reference[] {
  if (ref.digest !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'cannot push a digest reference');
  const repo = repositoryName(ref);
  const targets = ref.tag !== undefined ? [ref] : [...snapshot.tags.keys()].map((n) => parseNormalizedReference(n)).filter((r) => repositoryName(r) === repo && r.tag !== undefined);
  if (targets.length === 0) throw new BerthError('ERR_IMAGE_UNKNOWN', `An image does not exist locally with the tag: ${familiarName(ref)}`);
  for (const t of targets) {
    if (!snapshot.tags.get(referenceString(t))) throw new BerthError('ERR_IMAGE_UNKNOWN', `An image does not exist locally with the tag: ${familiarString(t)}`);
  }
  return targets;
}

export async function pushImages(backend: StoreBackend, adapter: RegistryAdapter, ref: Reference, opts: PushOptions = {}): Promise<PushResult[]> {
  const out = opts.events ?? discardEvents;
  const events = pushEvents(out);
  const snapshot = await backend.metadata.read();
  const targets = pushTargets(snapshot, ref);
  const repo = repositoryName(ref);
  const mountFrom = mountCandidates(snapshot, ref.domain);
  out({ status: `The push refers to repository [${repo}]` });
  const results: PushResult[] = [];
  for (const target of targets) {
    const rec = snapshot.images.get(snapshot.tags.get(referenceString(target))!)!;
    // Docker lists the layers top-down before it starts.
    for (const l of [...rec.layers].reverse()) out({ id: l.digest.slice(7, 19), status: 'Preparing', progressDetail: {} });
    const src = new StoreSource(backend, snapshot, [{ descriptor: rec.manifest, names: [referenceString(target)] }]);
    const dst = await adapter.destination(target, { ...opts.registry, events, mountFrom, ...(opts.uploadSessions ? { uploadSessions: opts.uploadSessions } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    const [copied] = await copyImages(src, dst, await src.images(), { events, progressVerb: 'Pushing', ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    const digest = copied!.manifest.digest;
    const size = copied!.manifest.bytes.length;
    out({ status: `${target.tag}: digest: ${digest} size: ${size}` });
    out({ progressDetail: {}, aux: { Tag: target.tag, Digest: digest, Size: size } });
    // As docker does, the image now knows the digest it has in that repository.
    const repoDigest = `${repo}@${digest}`;
    await backend.metadata.update((draft) => {
      const r = draft.images.get(rec.id);
      if (r && !r.repoDigests.includes(repoDigest)) r.repoDigests = [...r.repoDigests, repoDigest];
    });
    results.push({ reference: target, digest, size });
  }
  return results;
}

/** Repositories on `host` whose images hold a blob: where a cross-repository mount can take it from. */
function mountCandidates(snapshot: StoreSnapshot, host: string): (digest: string) => string[] {
  const repos = new Map<string, Set<string>>();
  const names = new Map<string, string[]>();
  for (const [name, id] of snapshot.tags) names.set(id, [...(names.get(id) ?? []), name]);
  for (const rec of snapshot.images.values()) {
    for (const name of [...(names.get(rec.id) ?? []), ...rec.repoDigests]) {
      const r = parseNormalizedReference(name);
      if (r.domain !== host) continue;
      for (const l of rec.layers) {
        const set = repos.get(l.digest) ?? new Set<string>();
        set.add(r.path);
        repos.set(l.digest, set);
      }
    }
  }
  return (digest) => [...(repos.get(digest) ?? [])];
}
