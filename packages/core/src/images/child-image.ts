// A new image on top of a parent (or of nothing, for `FROM scratch`): the parent's layers and
// history plus one step, as moby's image.NewChildImage makes it for build steps and commits.
// An empty layer (or none) is recorded as `empty_layer` in the history and adds no diff_id.
import { BerthError } from '../errors.js';
import { sha256, type Digest } from '../digest.js';
import { configBytes, type ContainerConfig, type HistoryEntry, type ImageConfig } from '../config.js';
import { MediaType } from '../media-types.js';
import { manifestBytes, type ImageManifest } from '../manifest.js';
import type { Platform } from '../platform.js';
import type { StoreBackend } from '../contracts/plugin.js';
import type { ImageRecord, LayerRecord } from '../contracts/metadata-store.js';
import { bufferStream } from './store-destination.js';

/** sha256 of an empty tar (1024 zero bytes): moby's layer.EmptyLayer, recorded as empty_layer. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef' as Digest;

export interface ChildImageParent {
  record: ImageRecord;
  config: ImageConfig;
}

export interface ChildImageOptions {
  /** undefined: the image starts from nothing (scratch). */
  parent?: ChildImageParent;
  /** The layer the step made, already in the content store; none for a metadata step. */
  layer?: LayerRecord;
  config: ContainerConfig;
  /** The step's history line (`/bin/sh -c #(nop)  ENV a=b`). */
  createdBy: string;
  /** RFC 3339. */
  created: string;
  author?: string;
  comment?: string;
  /** For a scratch base: the platform the image claims. */
  platform: Platform;
  /** Docker's legacy `container_config` (the step's run config, with the comment as Cmd). */
  containerConfig?: ContainerConfig;
  /** `docker commit`: the container's ID, kept as the config's legacy `container` field. */
  container?: string;
}

/** Writes the config and manifest blobs and records the image (with its parent); returns the image ID. */
export async function createChildImage(backend: StoreBackend, opts: ChildImageOptions): Promise<ImageRecord> {
  const base = opts.parent?.config;
  const empty = opts.layer === undefined || opts.layer.diffID === EMPTY_LAYER_DIFF_ID;
  const history: HistoryEntry[] = [...(base?.history ?? [])];
  history.push({
    created: opts.created,
    ...(opts.author ? { author: opts.author } : {}),
    created_by: opts.createdBy,
    ...(opts.comment ? { comment: opts.comment } : {}),
    ...(empty ? { empty_layer: true } : {}),
  });
  const platform: Platform = base ? { architecture: base.architecture, os: base.os, ...(base.variant ? { variant: base.variant } : {}) } : opts.platform;
  const image: ImageConfig = {
    architecture: platform.architecture,
    ...(opts.author ? { author: opts.author } : {}),
    config: opts.config,
    ...(opts.container ? { container: opts.container } : {}),
    ...(opts.containerConfig ? { container_config: opts.containerConfig } : {}),
    created: opts.created,
    history,
    os: platform.os,
    ...(base?.['os.features'] ? { 'os.features': base['os.features'] } : {}),
    ...(base?.['os.version'] ? { 'os.version': base['os.version'] } : {}),
    rootfs: { type: 'layers', diff_ids: [...(base?.rootfs.diff_ids ?? []), ...(empty ? [] : [opts.layer!.diffID])] },
    ...(platform.variant ? { variant: platform.variant } : {}),
  };
  const layers: LayerRecord[] = [...(opts.parent?.record.layers ?? []), ...(empty ? [] : [opts.layer!])];
  const cfgBytes = configBytes(image);
  const cfg = await backend.content.put(bufferStream(cfgBytes), { digest: sha256(cfgBytes) });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: cfg.digest, size: cfg.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blobSize })),
  };
  const mBytes = manifestBytes(manifest);
  const man = await backend.content.put(bufferStream(mBytes), { digest: sha256(mBytes) });
  const record: ImageRecord = {
    id: cfg.digest,
    manifest: { mediaType: MediaType.OciManifest, digest: man.digest, size: man.size },
    config: { mediaType: MediaType.OciConfig, digest: cfg.digest, size: cfg.size },
    platform,
    created: opts.created,
    size: layers.reduce((n, l) => n + l.size, 0),
    layers,
    labels: opts.config.Labels ?? {},
    repoDigests: [],
    ...(opts.parent ? { parent: opts.parent.record.id } : {}),
  };
  await backend.metadata.update(async (draft) => {
    for (const d of [...layers.map((l) => l.digest), cfg.digest, man.digest]) {
      if (!(await backend.content.stat(d))) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${d} vanished from the store; try again`);
    }
    const existing = draft.images.get(cfg.digest);
    // The same step built twice (reproducible builds) gives the same image: keep its tags and times.
    draft.images.set(cfg.digest, existing ? { ...existing, ...(record.parent ? { parent: record.parent } : {}) } : record);
  });
  return record;
}
