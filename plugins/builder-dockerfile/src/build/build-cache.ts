// The build cache, kept where the classic builder keeps it: in the images themselves. A step hits
// when an image whose parent is the current image ends with the same history line (which carries
// the sources' checksums for COPY/ADD and the build args for RUN) and has the same config.
import type { ContainerConfig, Digest, ImageConfig, ImageRecord, ImageService } from '@berth/core';

export interface CachedStep {
  record: ImageRecord;
  config: ImageConfig;
}

/** JSON with sorted keys: two configs are the same when their canonical texts are. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export async function probeCache(images: ImageService, parent: Digest | undefined, createdBy: string, config: ContainerConfig): Promise<CachedStep | undefined> {
  const snapshot = await images.snapshot();
  const wanted = canonicalJson(config);
  for (const record of snapshot.images.values()) {
    if (record.parent !== parent) continue;
    // Without a parent only images this builder made can match (an import has no created_by).
    const cfg = await images.config(record.id).catch(() => undefined);
    if (!cfg) continue;
    const last = cfg.history?.[cfg.history.length - 1];
    if (last?.created_by !== createdBy) continue;
    if (parent === undefined && (cfg.history?.length ?? 0) !== 1) continue;
    if (canonicalJson(cfg.config ?? {}) === wanted) return { record, config: cfg };
  }
  return undefined;
}
