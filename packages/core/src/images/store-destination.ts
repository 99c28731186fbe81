// The local store as a copy destination: blobs go to the ContentStore (layers inspected while they
// stream, so diffID and Docker size are known), images and names are committed in one transaction.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, isBerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import { parseManifest } from '../manifest.js';
import { parseImageConfig, type ImageConfig } from '../config.js';
import { isConfigMediaType, layerCompression } from '../media-types.js';
import type { ResumableBlobWrite } from '../contracts/content-store.js';
import type { ImageDestination, ImageSource, KnownLayer, LocationCapabilities, ManifestBytes, PutOptions } from '../contracts/location.js';
import type { ImageRecord, LayerRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import type { StoreBackend } from '../contracts/plugin.js';
import type { EventSink } from '../events.js';
import { discardEvents } from '../events.js';
import { ingestLayer } from './ingest-layer.js';
import { familiarString, parseNormalizedReference } from '../reference.js';
import { readBlobText } from './store-blobs.js';

export interface StoreDestinationOptions {
  /** Allow device nodes in layers (root may create them; import by others may not). */
  allowDevices?: boolean;
  events?: EventSink;
  /** `repo@digest` names to record for manifests (a pull from a registry). */
  repoDigests?: (manifest: Digest, names: string[]) => string[];
}

interface PendingImage {
  record: ImageRecord;
  names: string[];
  manifestBytes: Buffer;
}

export class StoreDestination implements ImageDestination {
  readonly description = 'local store';
  readonly capabilities: LocationCapabilities;
  private readonly layers = new Map<Digest, LayerRecord>();
  private readonly pending: PendingImage[] = [];
  private readonly written = new Set<Digest>();
  /** Resumable writes opened by keptBytes, waiting for their putBlob. */
  private readonly resumables = new Map<Digest, ResumableBlobWrite>();
  /** After abort, layers still in flight must not claim new resumable writes (their locks would outlive the copy). */
  private aborted = false;

  constructor(private readonly backend: StoreBackend, private readonly options: StoreDestinationOptions = {}) {
    this.capabilities = { sequential: false, adopt: backend.content.adopt !== undefined, mount: false, resume: backend.content.resumable !== undefined, verifiesBlobs: true };
  }

  /** Opens the blob's resumable write: what an interrupted pull kept, and where this one goes. */
  async keptBytes(desc: Descriptor): Promise<number> {
    const content = this.backend.content;
    if (!content.resumable || this.aborted) return 0;
    await this.resumables.get(desc.digest)?.release();
    // A layer that a killed pull finished sits whole in blobs/, described by no image (hasBlob
    // said no): its bytes count as kept too, read back from disk instead of downloaded again.
    if (content.keepForResume && layerCompression(desc.mediaType) !== undefined && (await content.stat(desc.digest))) {
      await content.keepForResume(desc.digest).catch(() => false);
    }
    const w = await content.resumable(desc.digest);
    if (!w) return 0;
    if (this.aborted) {
      await w.release();
      return 0;
    }
    this.resumables.set(desc.digest, w);
    return Math.min(w.kept, desc.size);
  }

  /** Learns the layers the store already describes, so present blobs need no second read. */
  async prime(snapshot?: StoreSnapshot): Promise<void> {
    const s = snapshot ?? (await this.backend.metadata.read());
    for (const rec of s.images.values()) for (const l of rec.layers) this.layers.set(l.digest, l);
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    if (layerCompression(desc.mediaType) !== undefined && !this.layers.has(desc.digest)) return false;
    return (await this.backend.content.stat(desc.digest)) !== undefined;
  }

  async putBlob(desc: Descriptor, input: Readable, options: PutOptions = {}): Promise<void> {
    const compression = layerCompression(desc.mediaType);
    const resumable = this.resumables.get(desc.digest);
    this.resumables.delete(desc.digest);
    const offset = options.offset ?? 0;
    if (offset > 0 && resumable?.kept !== offset) {
      await resumable?.release();
      throw new BerthError('ERR_INVALID_ARGUMENT', `blob ${desc.digest}: no kept bytes to continue from at ${offset}`);
    }
    // The kept bytes are read back from disk and hashed (and inspected) with the new ones.
    const data = offset > 0 ? concatStreams(resumable!.readKept(), input) : input;
    const signal = options.signal ? { signal: options.signal } : {};
    if (compression === undefined || options.knownLayer) {
      if (options.onProgress) data.on('data', (c: Buffer) => options.onProgress!(c.length));
      if (resumable) await resumable.put(data, { size: desc.size, ...signal });
      else await this.backend.content.put(data, { digest: desc.digest, size: desc.size, ...signal });
      if (compression !== undefined) this.rememberLayer(desc, options.knownLayer!);
      this.written.add(desc.digest);
      return;
    }
    const { layer } = await ingestLayer(this.backend, data, {
      ...(resumable ? { write: (tee: Readable, beforeCommit: () => Promise<void>) => resumable.put(tee, { size: desc.size, beforeCommit, ...signal }) } : {}),
      ...(options.diffID ? { diffID: options.diffID } : {}),
      digest: desc.digest,
      size: desc.size,
      allowDevices: this.options.allowDevices ?? true,
      what: `layer ${desc.digest}`,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    this.rememberLayer(desc, layer);
    this.written.add(desc.digest);
  }

  async adoptBlob(path: string, desc: Descriptor, options: PutOptions = {}): Promise<boolean> {
    const adopt = this.backend.content.adopt;
    if (!adopt) return false;
    const compression = layerCompression(desc.mediaType);
    if (compression !== undefined && !options.knownLayer) return false;
    if (!(await adopt.call(this.backend.content, path, { digest: desc.digest, size: desc.size }))) return false;
    if (compression !== undefined) this.rememberLayer(desc, options.knownLayer!);
    this.written.add(desc.digest);
    return true;
  }

  private rememberLayer(desc: Descriptor, k: KnownLayer): void {
    this.layers.set(desc.digest, { digest: desc.digest, mediaType: desc.mediaType, blobSize: desc.size, diffID: k.diffID, tarSize: k.tarSize, size: k.size });
  }

  async putManifest(m: ManifestBytes, names: string[]): Promise<void> {
    const parsed = parseManifest(m.bytes, m.mediaType);
    if (parsed.kind !== 'manifest') throw new BerthError('ERR_UNSUPPORTED', 'the local store keeps single-platform images; pick a platform from the index');
    const man = parsed.manifest;
    if (!isConfigMediaType(man.config.mediaType)) throw new BerthError('ERR_UNSUPPORTED', `not an image: config media type ${man.config.mediaType}`);
    const config = parseImageConfig(await readBlobText(this.backend.content, man.config.digest), `config ${man.config.digest}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== man.layers.length) {
      throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${m.digest} has ${man.layers.length} layers but its config lists ${diffIds.length} diff_ids`);
    }
    const layers = man.layers.map((l, i) => {
      const rec = this.layers.get(l.digest);
      if (!rec) throw new BerthError('ERR_BLOB_UNKNOWN', `layer ${l.digest} was not stored`);
      if (rec.diffID !== diffIds[i]) throw new BerthError('ERR_DIGEST_MISMATCH', `layer ${l.digest}: uncompressed digest ${rec.diffID} does not match the config's diff_id ${diffIds[i]}`);
      return rec;
    });
    await this.backend.content.put(bufferStream(m.bytes), { digest: m.digest, size: m.bytes.length });
    this.pending.push({ record: imageRecord(man.config.digest, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, man.config, config, layers), names, manifestBytes: m.bytes });
  }

  async commit(source?: ImageSource): Promise<void> {
    const events = this.options.events ?? discardEvents;
    const pending = this.pending.splice(0);
    await this.backend.metadata.update(async (draft) => {
      // A concurrent rmi may have deleted a blob we skipped as present. Under the lock nobody can
      // delete any more, so fetch such blobs again now rather than commit a hole.
      for (const p of pending) for (const desc of blobDescriptors(p.record)) {
        if (await this.backend.content.stat(desc.digest)) continue;
        if (desc.digest === p.record.manifest.digest) {
          await this.backend.content.put(bufferStream(p.manifestBytes), { digest: desc.digest, size: desc.size });
          continue;
        }
        if (!source) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${desc.digest} vanished from the store while it was being written; try again`);
        await this.refetch(source, desc);
      }
      // A pull or load names an image without tagging it: docker leaves Metadata.LastTagTime
      // alone there (zero for a new image) and sets it only on tag, import, commit and build.
      for (const p of pending) {
        const prev = draft.images.get(p.record.id);
        const record = prev ? { ...prev, repoDigests: union(prev.repoDigests, p.record.repoDigests) } : p.record;
        const digests = this.options.repoDigests?.(p.record.manifest.digest, p.names) ?? [];
        record.repoDigests = union(record.repoDigests, digests);
        draft.images.set(record.id, record);
        for (const name of p.names) {
          const old = draft.tags.get(name);
          if (old && old !== record.id) {
            events({ stream: `The image ${familiarString(parseNormalizedReference(name))} already exists, renaming the old one with ID ${old} to empty string\n` });
          }
          draft.tags.set(name, record.id);
        }
      }
    });
  }

  private async refetch(source: ImageSource, desc: Descriptor): Promise<void> {
    const local = source.localBlobPath?.(desc.digest);
    if (local && (await this.backend.content.adopt?.(local, { digest: desc.digest, size: desc.size }))) return;
    await this.backend.content.put(await source.getBlob(desc), { digest: desc.digest, size: desc.size });
  }

  async abort(reason?: unknown): Promise<void> {
    this.pending.length = 0;
    this.aborted = true;
    for (const w of this.resumables.values()) await w.release();
    this.resumables.clear();
    // Blobs written but never committed are unreferenced; those only this run added go. After an
    // interruption, the layers it completed go back to the resumable staging instead (the next
    // pull reads them from disk rather than download them again), as the partial ones stay.
    const keep = isInterruption(reason) ? this.backend.content.keepForResume?.bind(this.backend.content) : undefined;
    const snapshot = await this.backend.metadata.read();
    const referenced = new Set<Digest>();
    for (const rec of snapshot.images.values()) for (const d of blobsOf(rec)) referenced.add(d);
    for (const d of this.written) {
      if (referenced.has(d)) continue;
      if (keep && this.layers.has(d) && (await keep(d).catch(() => false))) continue;
      await this.backend.content.delete(d).catch(() => {});
    }
  }
}

/** A copy cut short by the network or by the user, not refused for its content. */
function isInterruption(reason: unknown): boolean {
  if (isBerthError(reason, 'ERR_NETWORK') || isBerthError(reason, 'ERR_ABORTED')) return true;
  return reason instanceof Error && (reason.name === 'AbortError' || (reason as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

function blobDescriptors(rec: ImageRecord): Descriptor[] {
  return [rec.manifest, rec.config, ...rec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blobSize }))];
}

function imageRecord(id: Digest, manifest: Descriptor, configDesc: Descriptor, config: ImageConfig, layers: LayerRecord[]): ImageRecord {
  const platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  return {
    id,
    manifest,
    config: { mediaType: configDesc.mediaType, digest: configDesc.digest, size: configDesc.size },
    platform,
    created: config.created ?? '',
    size: layers.reduce((n, l) => n + l.size, 0),
    layers,
    labels: config.config?.Labels ?? {},
    repoDigests: [],
  };
}

export function blobsOf(rec: ImageRecord): Digest[] {
  return [rec.manifest.digest, rec.config.digest, ...rec.layers.map((l) => l.digest)];
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** `a` then `b` as one stream; an error in either ends it (and destroys the other). */
function concatStreams(a: Readable, b: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  void (async () => {
    try {
      await pipeline(a, out, { end: false });
      await pipeline(b, out);
    } catch (err) {
      a.destroy();
      b.destroy();
      out.destroy(err as Error);
    }
  })();
  return out;
}

export function bufferStream(b: Buffer): Readable {
  const p = new PassThrough();
  p.end(b);
  return p;
}
