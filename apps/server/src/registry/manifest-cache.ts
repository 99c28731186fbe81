// Manifests a registry serves over and over (a tag pulled by every CI job): their bytes and media
// type kept in memory by digest, so a GET costs a stat instead of an open, reads and a JSON parse.
// Content-addressed, so an entry is never stale; the caller still checks the blob exists.
import type { Digest } from '@berth/core';

export interface CachedManifest {
  bytes: Buffer;
  mediaType: string;
}

export class ManifestCache {
  private readonly entries = new Map<Digest, CachedManifest>();
  private bytes = 0;

  constructor(private readonly budget = 16 * 1024 * 1024) {}

  get(digest: Digest): CachedManifest | undefined {
    const hit = this.entries.get(digest);
    if (hit) {
      // Most recently used last: the first entry is the one to drop.
      this.entries.delete(digest);
      this.entries.set(digest, hit);
    }
    return hit;
  }

  set(digest: Digest, entry: CachedManifest): void {
    if (entry.bytes.length > this.budget || this.entries.has(digest)) return;
    this.entries.set(digest, entry);
    this.bytes += entry.bytes.length;
    for (const [d, old] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(d);
      this.bytes -= old.bytes.length;
    }
  }
}
