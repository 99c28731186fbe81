// Finds what berth already knows about a layer: by blob digest (skip re-reading a blob) or by
// diffID (the same tar in another compression), from any snapshot of any store.
import type { Digest, LayerRecord, StoreSnapshot } from '@berth/core';

export function findLayerByDigest(snapshot: StoreSnapshot, digest: Digest): LayerRecord | undefined {
  if (snapshot.layers) return snapshot.layers.get(digest);
  for (const image of snapshot.images.values()) {
    const layer = image.layers.find((l) => l.digest === digest);
    if (layer) return layer;
  }
  return undefined;
}

/** Every stored blob of the uncompressed tar `diffID` (gzip, zstd, plain), once each. */
export function findLayersByDiffID(snapshot: StoreSnapshot, diffID: Digest): LayerRecord[] {
  const found = new Map<Digest, LayerRecord>();
  const all = snapshot.layers?.values() ?? [...snapshot.images.values()].flatMap((i) => i.layers);
  for (const layer of all) if (layer.diffID === diffID && !found.has(layer.digest)) found.set(layer.digest, layer);
  return [...found.values()];
}
