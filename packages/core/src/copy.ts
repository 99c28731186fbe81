// The one copy engine: every pull, push, save and load is "copy these images from a source to a
// destination". It owns platform choice, skip-if-present, adoption of staged files, layer
// conversion for destinations that want uncompressed layers, parallelism and progress.
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { BerthError, isBerthError } from './errors.js';
import { sha256, type Digest } from './digest.js';
import { parseImageConfig } from './config.js';
import { manifestBytes, parseManifest, type Descriptor, type ImageManifest } from './manifest.js';
import { MediaType, layerCompression } from './media-types.js';
import { hostPlatform, formatPlatform, platformMatches, type Platform } from './platform.js';
import type { GetBlobOptions, ImageDestination, ImageSource, KnownLayer, ManifestBytes, SourceImage } from './contracts/location.js';
import { MAX_JSON_BLOB } from './images/store-blobs.js';
import { discardEvents, type EventSink } from './events.js';
import { openUncompressed } from './layer/index.js';

export interface CopyOptions {
  events?: EventSink;
  signal?: AbortSignal;
  /** Blobs in flight at once (ignored for sequential destinations). */
  concurrency?: number;
  /** Platform to pick from an index; the host's by default. */
  platform?: Platform;
  /** Progress verb for blob transfers (`Loading layer`, `Downloading`, `Pushing`). */
  progressVerb?: string;
}

export interface CopiedImage {
  /** Manifest as written to the destination. */
  manifest: ManifestBytes;
  configDigest: Digest;
  names: string[];
}

function shortId(d: Digest): string {
  return d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);
}

/** Picks the manifest to copy for an index: the requested platform, or the host's. */
export async function resolvePlatform(src: ImageSource, desc: Descriptor, platform: Platform | undefined): Promise<ManifestBytes> {
  const m = await src.getManifest(desc.digest);
  const parsed = parseManifest(m.bytes, m.mediaType, `manifest ${desc.digest}`);
  if (parsed.kind === 'manifest') return m;
  const want = platform ?? hostPlatform();
  const candidates = parsed.index.manifests.filter((d) => d.platform && platformMatches(want, d.platform));
  const chosen = candidates[0];
  if (!chosen) {
    throw new BerthError('ERR_PLATFORM_MISMATCH', `no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  }
  return resolvePlatform(src, chosen, platform);
}

export async function copyImages(src: ImageSource, dst: ImageDestination, images: readonly SourceImage[], opts: CopyOptions = {}): Promise<CopiedImage[]> {
  const events = opts.events ?? discardEvents;
  const copied: CopiedImage[] = [];
  const done = new Set<Digest>();
  try {
    for (const image of images) {
      opts.signal?.throwIfAborted();
      const m = await resolvePlatform(src, image.descriptor, opts.platform);
      const parsed = parseManifest(m.bytes, m.mediaType, `manifest ${m.digest}`);
      if (parsed.kind !== 'manifest') throw new BerthError('ERR_MANIFEST_INVALID', `nested index in ${m.digest}`);
      const written = await copyManifest(src, dst, m, parsed.manifest, done, events, opts);
      await dst.putManifest(written, image.names);
      copied.push({ manifest: written, configDigest: parsed.manifest.config.digest, names: image.names });
    }
    await dst.commit(src);
  } catch (err) {
    await dst.abort(err).catch(() => {});
    throw err;
  }
  return copied;
}

async function copyManifest(src: ImageSource, dst: ImageDestination, m: ManifestBytes, man: ImageManifest, done: Set<Digest>, events: EventSink, opts: CopyOptions): Promise<ManifestBytes> {
  const accepted = dst.capabilities.layerMediaTypes;
  const needsConversion = accepted !== undefined && man.layers.some((l) => !accepted.includes(l.mediaType));
  // The config comes first when its diff_ids are needed: a destination that verifies them refuses
  // a lying layer before it is kept, and a converting one names layers by them.
  let config: Buffer | undefined;
  let diffIds: Digest[] | undefined;
  if (needsConversion || dst.capabilities.verifiesBlobs) {
    if (man.config.size > MAX_JSON_BLOB) throw new BerthError('ERR_MANIFEST_INVALID', `config ${man.config.digest} is ${man.config.size} bytes, too large for a JSON document`);
    config = await readAll(await src.getBlob(man.config, opts.signal ? { signal: opts.signal } : {}));
    diffIds = parseImageConfig(config, `config ${man.config.digest}`).rootfs.diff_ids;
    if (diffIds.length !== man.layers.length) {
      throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${m.digest} has ${man.layers.length} layers but its config lists ${diffIds.length} diff_ids`);
    }
  }
  const plans = man.layers.map((layer, i) => planLayer(src, layer, accepted, diffIds?.[i]));
  const limit = dst.capabilities.sequential ? 1 : Math.max(1, opts.concurrency ?? 3);
  // Largest first keeps the long transfer from starting last.
  const order = plans.map((_, i) => i).sort((a, b) => (dst.capabilities.sequential ? a - b : man.layers[b]!.size - man.layers[a]!.size));
  const outLayers: Descriptor[] = new Array(plans.length);
  // The first layer that fails stops the others (Go's errgroup): their transfers are cancelled
  // with its error as the reason, and awaited, so the destination's abort runs with nothing still
  // writing and no download goes on for a copy that has already failed.
  const group = new AbortController();
  const layerOpts = { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, group.signal]) : group.signal };
  let failed: { err: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < order.length && !failed) {
      const i = order[next++]!;
      try {
        outLayers[i] = await copyLayer(src, dst, man.layers[i]!, plans[i]!, done, events, layerOpts);
      } catch (err) {
        if (!failed) {
          failed = { err };
          group.abort(err);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, order.length) }, worker));
  if (failed) throw failed.err;
  await copyBlob(src, dst, man.config, done, opts, config);
  if (!needsConversion) return m;
  const converted: ImageManifest = { ...man, layers: outLayers };
  if (man.mediaType) converted.mediaType = man.mediaType;
  const bytes = manifestBytes(converted);
  return { bytes, mediaType: m.mediaType, digest: sha256(bytes) };
}

interface LayerPlan {
  convert: boolean;
  known?: KnownLayer;
  target: Descriptor;
  /** The config's diff_id, for destinations that verify it. */
  diffID?: Digest;
}

function planLayer(src: ImageSource, layer: Descriptor, accepted: readonly string[] | undefined, diffId: Digest | undefined): LayerPlan {
  const known = src.knownLayer?.(layer.digest);
  if (!accepted || accepted.includes(layer.mediaType)) return { convert: false, target: layer, ...(known ? { known } : {}), ...(diffId ? { diffID: diffId } : {}) };
  if (!diffId) throw new BerthError('ERR_CONFIG_INVALID', `no diff_id for layer ${layer.digest}`);
  const mediaType = layer.mediaType.startsWith('application/vnd.docker.') ? MediaType.DockerLayer : MediaType.OciLayer;
  if (!accepted.includes(mediaType)) throw new BerthError('ERR_UNSUPPORTED', `${layer.mediaType} layers cannot be converted for this destination`);
  // The uncompressed size is needed up front by a tar writer; the store knows it for its layers.
  if (!known) throw new BerthError('ERR_UNSUPPORTED', `uncompressed size of layer ${layer.digest} is unknown`);
  return { convert: true, known, target: { mediaType, digest: diffId, size: known.tarSize } };
}

async function copyLayer(src: ImageSource, dst: ImageDestination, layer: Descriptor, plan: LayerPlan, done: Set<Digest>, events: EventSink, opts: CopyOptions): Promise<Descriptor> {
  const id = shortId(plan.target.digest);
  const verb = opts.progressVerb ?? 'Copying';
  const put = { ...(opts.signal ? { signal: opts.signal } : {}), ...(plan.known ? { knownLayer: plan.known } : {}) };
  if (done.has(plan.target.digest) || (await dst.hasBlob(plan.target))) {
    done.add(plan.target.digest);
    events({ id, status: 'Already exists' });
    return plan.target;
  }
  const local = !plan.convert ? src.localBlobPath?.(layer.digest) : undefined;
  if (local && dst.adoptBlob && (await dst.adoptBlob(local, plan.target, put))) {
    done.add(plan.target.digest);
    events({ id, status: `${verb} complete` });
    return plan.target;
  }
  let current = 0;
  const total = plan.target.size;
  const onProgress = (n: number): void => {
    current += n;
    events({ id, status: verb, progressDetail: { current, total } });
  };
  // A destination that keeps interrupted writes and a source that reads from an offset: only the
  // rest is transferred. Kept bytes that turn out bad are dropped by the destination; try once more.
  const resumable = !plan.convert && src.ranged === true && dst.capabilities.resume && dst.keptBytes !== undefined;
  let offset = resumable ? await dst.keptBytes!(plan.target) : 0;
  let retriedBadKept = false;
  for (let dropped = 0; ; ) {
    current = 0;
    try {
      let stream = offset >= layer.size ? emptyStream() : await src.getBlob(layer, blobReadOptions(dst, opts, offset, plan.convert));
      // The destination verifies the uncompressed bytes against the diff_id it is given as digest.
      if (plan.convert) stream = (await openUncompressed(stream)).stream;
      await dst.putBlob(plan.target, stream, { ...put, onProgress, ...(offset > 0 ? { offset } : {}), ...(plan.diffID ? { diffID: plan.diffID } : {}) });
      break;
    } catch (err) {
      if (!resumable) throw err;
      // Kept bytes that were bad (the destination dropped them): once more from the start.
      if (offset > 0 && !retriedBadKept && isBerthError(err, 'ERR_DIGEST_MISMATCH')) {
        retriedBadKept = true;
        offset = await dst.keptBytes!(plan.target);
        continue;
      }
      // A connection that dropped after delivering bytes: go on from what was kept, as dockerd
      // retries a download. One that delivers nothing is not retried (the HTTP layer already did).
      if (!isBerthError(err, 'ERR_NETWORK') || dropped >= MAX_RESUMES) throw err;
      // The pause comes before asking what was kept: a registry may still be settling the
      // request that was cut off (a push's upload status counts its bytes once it has).
      const wait = dropped + 1;
      await delay(wait * 1000, opts.signal);
      const kept = await dst.keptBytes!(plan.target);
      if (kept <= offset) throw err;
      dropped = wait;
      events({ id, status: `Retrying in ${dropped} second${dropped > 1 ? 's' : ''}` });
      offset = kept;
    }
  }
  done.add(plan.target.digest);
  events({ id, status: `${verb} complete`, progressDetail: { current: total, total } });
  return plan.target;
}

/** Times a layer download that keeps making progress is resumed within one copy. */
const MAX_RESUMES = 5;

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BerthError('ERR_ABORTED', 'aborted'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new BerthError('ERR_ABORTED', 'aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A destination that checks digests itself spares the source hashing every byte a second time. */
function blobReadOptions(dst: ImageDestination, opts: CopyOptions, offset = 0, convert = false): GetBlobOptions {
  return { ...(opts.signal ? { signal: opts.signal } : {}), ...(offset > 0 ? { offset } : {}), ...(dst.capabilities.verifiesBlobs && !convert ? { verify: false } : {}) };
}

function emptyStream(): Readable {
  return Readable.from([]);
}

async function copyBlob(src: ImageSource, dst: ImageDestination, desc: Descriptor, done: Set<Digest>, opts: CopyOptions, bytes?: Buffer): Promise<void> {
  if (done.has(desc.digest) || (await dst.hasBlob(desc))) {
    done.add(desc.digest);
    return;
  }
  const local = src.localBlobPath?.(desc.digest);
  if (!(local && dst.adoptBlob && (await dst.adoptBlob(local, desc)))) {
    // Bytes already read (and verified by the source) are not fetched again.
    const data = bytes ? Readable.from([bytes]) : await src.getBlob(desc, blobReadOptions(dst, opts));
    await dst.putBlob(desc, data, opts.signal ? { signal: opts.signal } : {});
  }
  done.add(desc.digest);
}

