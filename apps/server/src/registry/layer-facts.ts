// What berthd knows of layer blobs (diffID, tar size, Docker size) for the ImageRecord a pushed
// manifest becomes: learned while uploads streamed in, or else read once from the store.
import { digestAndInspect, type ContentStore, type Digest, type KnownLayer, type LayerRecord } from '@berth/core';

const MAX_KNOWN = 10_000;

export class LayerFacts {
  private readonly known = new Map<Digest, KnownLayer>();

  remember(digest: Digest, layer: KnownLayer): void {
    // Bounded: uploads that no manifest ever names must not grow the heap forever.
    if (this.known.size >= MAX_KNOWN) this.known.delete(this.known.keys().next().value as Digest);
    this.known.set(digest, layer);
  }

  /** Whether an upload taught us this blob's facts (then `of` needs no store records). */
  has(digest: Digest): boolean {
    return this.known.has(digest);
  }

  forget(digest: Digest): void {
    this.known.delete(digest);
  }

  /** Facts of a blob: from the store's records, from an upload, or by reading the blob (refusing an unsafe layer). */
  async of(content: ContentStore, digest: Digest, storeLayers: ReadonlyMap<Digest, LayerRecord> | undefined, onRead?: (digest: Digest) => void): Promise<KnownLayer> {
    const rec = storeLayers?.get(digest);
    if (rec) return { diffID: rec.diffID, tarSize: rec.tarSize, size: rec.size };
    const known = this.known.get(digest);
    if (known) return known;
    onRead?.(digest);
    const read = await digestAndInspect(await content.get(digest), { allowDevices: true, what: `layer ${digest}` });
    const layer = { diffID: read.stats.diffID, tarSize: read.stats.tarSize, size: read.stats.size };
    this.remember(digest, layer);
    return layer;
  }
}
