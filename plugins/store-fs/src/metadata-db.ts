// berth/db.json: what berth knows about each image (ImageRecords) and each layer blob (LayerRecords,
// once per blob digest; image records name their layers by digest to keep the file small).
import { BerthError, isDigest, type Descriptor, type Digest, type ImageRecord, type LayerRecord, type Platform } from '@berth/core';

export const DB_VERSION = 1;

interface StoredImage {
  manifest: Descriptor;
  config: Descriptor;
  platform: Platform;
  created: string;
  size: number;
  layers: Digest[];
  labels: Record<string, string>;
  repoDigests: string[];
  parent?: Digest;
  lastTagTime?: string;
}

type StoredLayer = Omit<LayerRecord, 'digest'>;

interface StoredDb {
  version: number;
  images: Record<string, StoredImage>;
  layers: Record<string, StoredLayer>;
}

export interface DbContents {
  images: Map<Digest, ImageRecord>;
  layers: Map<Digest, LayerRecord>;
}

/**
 * Decodes db.json leniently: index.json is the truth about which images exist, so a missing,
 * damaged or partial db only costs records that are rebuilt from the blobs. A db from a newer
 * berth is refused rather than rewritten in an older format.
 */
export function decodeDb(text: string | undefined, path: string): DbContents {
  const out: DbContents = { images: new Map(), layers: new Map() };
  if (!text) return out;
  let doc: Partial<StoredDb>;
  try {
    doc = JSON.parse(text) as Partial<StoredDb>;
  } catch {
    return out;
  }
  if (typeof doc !== 'object' || doc === null) return out;
  if (typeof doc.version === 'number' && doc.version > DB_VERSION) {
    throw new BerthError('ERR_UNSUPPORTED', `${path} was written by a newer berth (format ${doc.version}); upgrade berth to use this store`);
  }
  for (const [digest, l] of Object.entries(doc.layers ?? {})) {
    if (isDigest(digest) && isStoredLayer(l)) out.layers.set(digest, Object.assign(l, { digest }));
  }
  for (const [id, s] of Object.entries(doc.images ?? {})) {
    if (!isDigest(id) || !isStoredImage(s)) continue;
    const layers: LayerRecord[] = [];
    for (const d of s.layers) {
      const l = out.layers.get(d);
      if (l) layers.push(l);
    }
    if (layers.length !== s.layers.length) continue; // a layer record is gone: rebuild this image
    // Reuse the parsed object (no copy): this is the hot path of every `berth images`.
    const record = s as unknown as ImageRecord;
    record.id = id;
    record.layers = layers;
    out.images.set(id, record);
  }
  return out;
}

/** Encodes records; every layer a record uses is stored once under its blob digest. */
export function encodeDb(images: Iterable<ImageRecord>): string {
  const doc: StoredDb = { version: DB_VERSION, images: {}, layers: {} };
  for (const { id, layers, ...rest } of images) {
    doc.images[id] = { ...rest, layers: layers.map((l) => l.digest) };
    for (const { digest, ...layer } of layers) doc.layers[digest] = layer;
  }
  return JSON.stringify(doc);
}

function isStoredLayer(v: unknown): v is StoredLayer {
  const l = v as StoredLayer | null;
  return typeof l === 'object' && l !== null && typeof l.mediaType === 'string' && typeof l.diffID === 'string'
    && typeof l.blobSize === 'number' && typeof l.tarSize === 'number' && typeof l.size === 'number';
}

function isStoredImage(v: unknown): v is StoredImage {
  const s = v as StoredImage | null;
  return typeof s === 'object' && s !== null && isDescriptorLike(s.manifest) && isDescriptorLike(s.config)
    && typeof s.platform === 'object' && s.platform !== null && typeof s.created === 'string' && typeof s.size === 'number'
    && Array.isArray(s.layers) && typeof s.labels === 'object' && s.labels !== null && Array.isArray(s.repoDigests);
}

function isDescriptorLike(d: Descriptor | undefined): boolean {
  return typeof d === 'object' && d !== null && typeof d.digest === 'string' && typeof d.mediaType === 'string' && typeof d.size === 'number';
}
