// `image prune`: dangling images by default, every unused image with `-a`, narrowed by `until`
// and `label` filters (moby daemon/images/image_prune.go); reports what it freed.
import type { Digest } from '../digest.js';
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import { parseFilters, danglingFilter, matchLabels, parseTimestamp, type Filters } from './filters.js';
import { childrenOf, tagsOf } from './lookup.js';
import { removeImage, type ContainerUse, type DeleteRecord } from './remove.js';
import { isBerthError } from '../errors.js';

export const IMAGE_PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

export function imagePruneFilters(args: readonly string[]): Filters {
  return parseFilters(args, IMAGE_PRUNE_FILTERS);
}

export interface PruneResult {
  deleted: DeleteRecord[];
  /** Bytes of layers no image uses any more. */
  reclaimed: number;
}

export function pruneImages(s: StoreSnapshot, opts: { all: boolean; filters: Filters; containers?: readonly ContainerUse[]; now?: number }): PruneResult {
  const danglingOnly = opts.all ? danglingFilter(opts.filters) === true : danglingFilter(opts.filters) !== false;
  const until = opts.filters.get('until')?.map((v) => parseTimestamp(v, opts.now ?? Date.now()));
  const used = new Set((opts.containers ?? []).map((c) => c.imageId));
  const layerSizes = new Map<Digest, number>();
  for (const rec of s.images.values()) for (const l of rec.layers) layerSizes.set(l.diffID, l.size);
  const beforeLayers = liveLayers(s);

  const candidates: ImageRecord[] = [];
  for (const rec of s.images.values()) {
    if (used.has(rec.id)) continue;
    const tags = tagsOf(s, rec.id);
    const children = childrenOf(s, rec.id).length;
    if (danglingOnly && (tags.length > 0 || rec.repoDigests.length > 0 || children > 0)) continue;
    if (!danglingOnly && children > 0) continue;
    const created = rec.created ? Date.parse(rec.created) : 0;
    if (until && !until.every((t) => created < t)) continue;
    if (!matchLabels(opts.filters, rec.labels)) continue;
    candidates.push(rec);
  }
  const deleted: DeleteRecord[] = [];
  for (const rec of candidates) {
    if (!s.images.has(rec.id)) continue;
    const names = danglingOnly ? [rec.id] : [...tagsOf(s, rec.id), ...rec.repoDigests];
    for (const name of names.length > 0 ? names : [rec.id]) {
      if (!s.images.has(rec.id)) break;
      try {
        deleted.push(...removeImage(s, name, { force: false, noPrune: false, containers: opts.containers ?? [] }));
      } catch (err) {
        // A conflict (an image in use) skips that image, as Docker's prune does.
        if (!isBerthError(err, 'ERR_IMAGE_CONFLICT')) throw err;
      }
    }
  }
  const afterLayers = liveLayers(s);
  let reclaimed = 0;
  for (const d of beforeLayers) if (!afterLayers.has(d)) reclaimed += layerSizes.get(d) ?? 0;
  return { deleted, reclaimed };
}

function liveLayers(s: StoreSnapshot): Set<Digest> {
  const out = new Set<Digest>();
  for (const rec of s.images.values()) for (const l of rec.layers) out.add(l.diffID);
  return out;
}
