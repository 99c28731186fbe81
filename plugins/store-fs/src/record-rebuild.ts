// Rebuilds an ImageRecord from the manifest and config blobs, for an index.json entry whose
// record db.json lacks (a crash between the two writes, or another OCI tool tagged an image here).
import {
  isManifestMediaType,
  parseImageConfig,
  parseManifest,
  type ContentStore,
  type Descriptor,
  type Digest,
  type ImageRecord,
  type LayerRecord,
  type Platform,
} from '@berth/core';

/**
 * Computes a layer's record by reading its blob (diffID, tar size, Docker size). Not wired yet:
 * without it a rebuilt record uses the blob size for tarSize and size (exact for uncompressed layers).
 */
export type RecomputeLayerRecord = (layer: Descriptor, diffID: Digest, content: ContentStore) => Promise<LayerRecord>;

const SMALL_BLOB_LIMIT = 8 * 1024 * 1024; // manifests and configs; a bigger one is not what we expect

/** The record for `manifest`, or undefined when its blobs are missing or it is not a single image. */
export async function rebuildImageRecord(
  manifestDesc: Descriptor,
  content: ContentStore,
  knownLayers: ReadonlyMap<Digest, LayerRecord>,
  recompute?: RecomputeLayerRecord,
): Promise<ImageRecord | undefined> {
  if (!isManifestMediaType(manifestDesc.mediaType)) return undefined;
  try {
    const parsed = parseManifest(await readSmallBlob(content, manifestDesc.digest), manifestDesc.mediaType);
    if (parsed.kind !== 'manifest') return undefined;
    const { manifest } = parsed;
    const config = parseImageConfig(await readSmallBlob(content, manifest.config.digest));
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== manifest.layers.length) return undefined;
    const layers: LayerRecord[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const diffID = diffIDs[i] as Digest;
      const known = knownLayers.get(layer.digest);
      if (known) layers.push(known);
      else if (recompute) layers.push(await recompute(layer, diffID, content));
      else layers.push({ digest: layer.digest, mediaType: layer.mediaType, blobSize: layer.size, diffID, tarSize: layer.size, size: layer.size });
    }
    const platform: Platform = { architecture: config.architecture, os: config.os };
    if (config.variant) platform.variant = config.variant;
    if (config['os.version']) platform['os.version'] = config['os.version'];
    if (config['os.features']) platform['os.features'] = config['os.features'];
    const { mediaType, digest, size } = manifestDesc;
    return {
      id: manifest.config.digest,
      manifest: { mediaType, digest, size },
      config: manifest.config,
      platform,
      created: config.created ?? '',
      size: layers.reduce((sum, l) => sum + l.size, 0),
      layers,
      labels: config.config?.Labels ?? {},
      repoDigests: [],
    };
  } catch {
    return undefined; // missing or unreadable blobs: the entry stays as another tool's
  }
}

async function readSmallBlob(content: ContentStore, digest: Digest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of await content.get(digest)) {
    total += (chunk as Buffer).length;
    if (total > SMALL_BLOB_LIMIT) throw new Error(`blob ${digest} is too big for a manifest or config`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
