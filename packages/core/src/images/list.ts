// `images`: which images to show and with which names (moby daemon/images/images.go), then the
// rows Docker's CLI draws from them (docker/cli formatter/image.go), one per repository and tag.
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import { familiarName, familiarString, parseNormalizedReference, referenceMatches, type Reference } from '../reference.js';
import { findImage, indexSnapshot } from './lookup.js';
import { chainIds } from './chain-id.js';
import { danglingFilter, matchLabels, parseFilters, parseTimestamp, type Filters } from './filters.js';

export const IMAGE_LIST_FILTERS = ['dangling', 'label', 'before', 'since', 'reference', 'until'] as const;

/** The Engine API's ImageSummary. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  /** Unix seconds. */
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

export interface ListOptions {
  all?: boolean;
  filters?: Filters;
  now?: number;
  /** Fill SharedSize (the Engine API's `shared-size`): bytes of layers other images use too. */
  sharedSize?: boolean;
}

/** Per image: the sizes of its layers whose chain another image also has (moby's layer refcount > 1). */
export function sharedSizes(s: StoreSnapshot): Map<string, number> {
  const refs = new Map<string, number>();
  const chains = new Map<string, string[]>();
  for (const rec of s.images.values()) {
    const ids = chainIds(rec.layers.map((l) => l.diffID));
    chains.set(rec.id, ids);
    for (const c of new Set(ids)) refs.set(c, (refs.get(c) ?? 0) + 1);
  }
  const out = new Map<string, number>();
  for (const rec of s.images.values()) {
    const ids = chains.get(rec.id)!;
    let shared = 0;
    rec.layers.forEach((l, i) => {
      if ((refs.get(ids[i]!) ?? 0) > 1) shared += l.size;
    });
    out.set(rec.id, shared);
  }
  return out;
}

function createdMs(rec: ImageRecord): number {
  return rec.created ? Date.parse(rec.created) : 0;
}

export function listImages(s: StoreSnapshot, opts: ListOptions = {}): ImageSummary[] {
  const f: Filters = opts.filters ?? new Map();
  const dangling = danglingFilter(f);
  const danglingOnly = dangling === true;
  const before = f.get('before')?.map((v) => createdMs(findImage(s, v).record));
  const since = f.get('since')?.map((v) => createdMs(findImage(s, v).record));
  const until = f.get('until')?.map((v) => parseTimestamp(v, opts.now ?? Date.now()));
  const patterns = f.get('reference');
  const out: ImageSummary[] = [];
  const index = indexSnapshot(s);
  const shared = opts.sharedSize ? sharedSizes(s) : undefined;
  for (const rec of s.images.values()) {
    const children = index.children(rec.id);
    if (danglingOnly && children > 0) continue;
    const created = createdMs(rec);
    if (before && !before.every((t) => created < t)) continue;
    if (since && !since.every((t) => created > t)) continue;
    if (until && !until.every((t) => created < t)) continue;
    if (f.has('label') && !matchLabels(f, rec.labels)) continue;
    let repoTags: string[] = [];
    let repoDigests: string[] = [];
    const refs = [...index.tags(rec.id), ...rec.repoDigests];
    for (const full of refs) {
      const ref = parseNormalizedReference(full);
      if (patterns && !patterns.some((p) => referenceMatches(p, ref))) continue;
      if (ref.digest) repoDigests.push(familiarString(ref));
      else repoTags.push(familiarString(ref));
    }
    if (repoTags.length === 0 && repoDigests.length === 0) {
      if (!opts.all && children > 0) continue;
      if (dangling === false) continue;
      if (patterns) continue;
      repoDigests = ['<none>@<none>'];
      repoTags = ['<none>:<none>'];
    } else if (danglingOnly && repoTags.length > 0) {
      continue;
    }
    out.push({
      Id: rec.id,
      ParentId: rec.parent ?? '',
      RepoTags: repoTags,
      RepoDigests: repoDigests,
      Created: Math.floor(created / 1000),
      Size: rec.size,
      SharedSize: shared?.get(rec.id) ?? -1,
      Labels: rec.labels,
      Containers: -1,
    });
  }
  // Newest first, as Docker sorts (by Created); ties by ID so the order is stable.
  return out.sort((a, b) => b.Created - a.Created || (a.Id < b.Id ? -1 : 1));
}

export function imageListFilters(args: readonly string[]): Filters {
  return parseFilters(args, IMAGE_LIST_FILTERS);
}

/** One row of `images`: what its template fields are computed from. */
export interface ImageRow {
  image: ImageSummary;
  repository: string;
  tag: string;
  digest: string;
}

function isDanglingSummary(i: ImageSummary): boolean {
  return (i.RepoTags.length === 1 && i.RepoTags[0] === '<none>:<none>' && i.RepoDigests.length === 1 && i.RepoDigests[0] === '<none>@<none>');
}

export function imageRows(images: readonly ImageSummary[], showDigests: boolean): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    if (isDanglingSummary(image)) {
      rows.push({ image, repository: '<none>', tag: '<none>', digest: '<none>' });
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const s of image.RepoTags) {
      const ref = safeParse(s);
      if (ref?.tag) push(repoTags, familiarName(ref), ref.tag);
    }
    for (const s of image.RepoDigests) {
      const ref = safeParse(s);
      if (ref?.digest) push(repoDigests, familiarName(ref), ref.digest);
    }
    // Go iterates these maps in random order; berth sorts so output is stable.
    for (const [repo, tags] of [...repoTags].sort(byKey)) {
      const digests = showDigests ? repoDigests.get(repo) ?? [] : [];
      repoDigests.delete(repo);
      for (const tag of tags.sort()) {
        if (digests.length === 0) rows.push({ image, repository: repo, tag, digest: '<none>' });
        else for (const digest of digests) rows.push({ image, repository: repo, tag, digest });
      }
    }
    for (const [repo, digests] of [...repoDigests].sort(byKey)) {
      if (showDigests) for (const digest of digests) rows.push({ image, repository: repo, tag: '<none>', digest });
      else rows.push({ image, repository: repo, tag: '<none>', digest: '' });
    }
  }
  return rows;
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function safeParse(s: string): Reference | undefined {
  try {
    return parseNormalizedReference(s);
  } catch {
    return undefined;
  }
}
