// `pull`: one tag or digest from a registry adapter into the store, with the messages dockerd
// streams for it (`latest: Pulling from …`, each layer's lines, `Digest:`, `Status:`). The CLI
// draws them as text, berthd's Engine face sends them as JSON; both call this.
import { BerthError, isBerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import { copyImages, resolvePlatform } from '../copy.js';
import { parseManifest } from '../manifest.js';
import type { Platform } from '../platform.js';
import type { RegistryAdapter, RegistryOpenOptions } from '../contracts/registry.js';
import type { StoreBackend } from '../contracts/plugin.js';
import { discardEvents, type EventSink } from '../events.js';
import { familiarName, familiarString, referenceString, repositoryName, type Reference } from '../reference.js';
import { StoreDestination } from './store-destination.js';
import { pullEvents } from './transfer-events.js';

export interface PullOptions {
  /** Credentials and insecure hosts for the adapter. */
  registry?: RegistryOpenOptions;
  platform?: Platform;
  /** Docker's pull messages, in dockerd's order. */
  events?: EventSink;
  signal?: AbortSignal;
  /** The login command an access-denied error names (`docker login` for Docker clients). */
  loginCommand?: string;
  /** Layers downloaded at once (default 3). */
  concurrency?: number;
}

export interface PullResult {
  /** The manifest (or index) digest the registry named. */
  digest: Digest;
  /** The image ID (config digest) now in the store. */
  id: Digest;
  upToDate: boolean;
}

/** Pulls `target`, which names a tag or a digest (callers add `latest`). */
export async function pullImage(backend: StoreBackend, adapter: RegistryAdapter, target: Reference, opts: PullOptions = {}): Promise<PullResult> {
  if (target.tag === undefined && target.digest === undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'pull needs a tag or a digest');
  const out = opts.events ?? discardEvents;
  const events = pullEvents(out);
  const src = await adapter.source(target, { ...opts.registry, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    const [top] = await src.images().catch((err: unknown) => {
      throw dockerPullError(err, target, opts.loginCommand ?? 'docker login');
    });
    if (!top) throw new BerthError('ERR_MANIFEST_UNKNOWN', `manifest for ${familiarString(target)} not found`);
    // dockerd says this once the manifest is found (a missing tag fails before any output), naming
    // the repository without its registry host, as the registry knows it: `library/busybox`, `team/app`.
    out({ id: target.digest ?? target.tag!, status: `Pulling from ${target.path}` });
    const repoDigest = `${repositoryName(target)}@${top.descriptor.digest}`;
    const before = await backend.metadata.read();
    const wasThere = target.digest ? [...before.images.values()].some((r) => r.repoDigests.includes(repoDigest)) : before.tags.get(referenceString(target));
    const dst = new StoreDestination(backend, { events, repoDigests: () => [repoDigest] });
    await dst.prime(before);
    // Docker lists every layer first: present ones as `Already exists`, the rest as `Pulling fs layer`.
    const chosen = await resolvePlatform(src, top.descriptor, opts.platform);
    const parsed = parseManifest(chosen.bytes, chosen.mediaType, `manifest ${chosen.digest}`);
    if (parsed.kind === 'manifest') {
      for (const layer of parsed.manifest.layers) {
        const id = layer.digest.slice(layer.digest.indexOf(':') + 1, layer.digest.indexOf(':') + 13);
        out({ id, status: (await dst.hasBlob(layer)) ? 'Already exists' : 'Pulling fs layer', progressDetail: {} });
      }
    }
    const [copied] = await copyImages(src, dst, [top], {
      events,
      progressVerb: 'Downloading',
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.platform ? { platform: opts.platform } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const id = copied!.configDigest;
    const after = await backend.metadata.read();
    const upToDate = typeof wasThere === 'string' ? wasThere === id : Boolean(wasThere) && after.images.get(id) !== undefined;
    out({ status: `Digest: ${top.descriptor.digest}` });
    out({ status: `Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(target)}` });
    return { digest: top.descriptor.digest, id, upToDate };
  } finally {
    await src.close();
  }
}

/** Docker's wording for the two failures a user meets first: no such tag, no access. */
export function dockerPullError(err: unknown, ref: Reference, loginCommand: string): unknown {
  if (isBerthError(err, 'ERR_MANIFEST_UNKNOWN')) return new BerthError('ERR_MANIFEST_UNKNOWN', `manifest for ${familiarString(ref)} not found: manifest unknown`, { cause: err });
  if (isBerthError(err, 'ERR_UNAUTHORIZED')) {
    return new BerthError('ERR_UNAUTHORIZED', `pull access denied for ${familiarName(ref)}, repository does not exist or may require '${loginCommand}': ${err.message}`, { cause: err });
  }
  return err;
}
