// Finding an image the way Docker's daemon does (GetImage): a full digest is an ID, a name is a
// tag lookup (default tag `latest`), and anything else falls back to an unambiguous ID prefix.
import { BerthError } from '../errors.js';
import { isDigest, type Digest } from '../digest.js';
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import { familiarString, parseNormalizedReference, referenceString, withDefaultTag, type Reference } from '../reference.js';

export interface FoundImage {
  record: ImageRecord;
  /** The tag reference that named it, when it was found by name. */
  byName?: Reference;
}

const HEX64 = /^[a-f0-9]{64}$/;

export function noSuchImage(input: string): BerthError {
  let shown = input;
  try {
    if (!HEX64.test(input) && !isDigest(input)) shown = familiarString(withDefaultTag(parseNormalizedReference(input)));
  } catch {
    // not a name: show it as given
  }
  return new BerthError('ERR_IMAGE_UNKNOWN', `No such image: ${shown}`);
}

/** Image IDs (with and without `sha256:`) that start with `prefix`. */
export function findByIdPrefix(snapshot: StoreSnapshot, prefix: string): ImageRecord[] {
  const p = prefix.startsWith('sha256:') ? prefix : `sha256:${prefix}`;
  if (!/^sha256:[a-f0-9]+$/.test(p)) return [];
  const out: ImageRecord[] = [];
  for (const [id, rec] of snapshot.images) if (id.startsWith(p)) out.push(rec);
  return out;
}

export function findImage(snapshot: StoreSnapshot, refOrId: string): FoundImage {
  // A full ID, with or without the algorithm (ParseAnyReference treats 64 hex as an ID).
  if (HEX64.test(refOrId) || isDigest(refOrId)) {
    const id = (HEX64.test(refOrId) ? `sha256:${refOrId}` : refOrId) as Digest;
    const rec = snapshot.images.get(id);
    if (!rec) throw noSuchImage(refOrId);
    return { record: rec };
  }
  let named: Reference;
  try {
    named = parseNormalizedReference(refOrId);
  } catch (err) {
    // Not a valid name: it may still be an ID prefix (e.g. "sha256:abc").
    const byId = findByIdPrefix(snapshot, refOrId);
    if (byId.length === 1) return { record: byId[0]! };
    throw err;
  }
  if (named.digest) {
    const rec = findByRepoDigest(snapshot, named);
    if (rec) return { record: rec, byName: named };
    throw noSuchImage(refOrId);
  }
  const tagged = withDefaultTag(named);
  const id = snapshot.tags.get(referenceString(tagged));
  const rec = id ? snapshot.images.get(id) : undefined;
  if (rec) return { record: rec, byName: tagged };
  const byId = findByIdPrefix(snapshot, refOrId);
  if (byId.length === 1) return { record: byId[0]! };
  if (byId.length > 1) throw new BerthError('ERR_IMAGE_CONFLICT', `image ID prefix ${refOrId} is ambiguous: it matches ${byId.length} images`);
  throw noSuchImage(refOrId);
}

function findByRepoDigest(snapshot: StoreSnapshot, ref: Reference): ImageRecord | undefined {
  const wanted = `${ref.domain}/${ref.path}@${ref.digest}`;
  for (const rec of snapshot.images.values()) {
    if (rec.repoDigests.includes(wanted)) return rec;
    // Docker also finds an image by repo@manifest-digest when that manifest is the one stored.
    if (rec.manifest.digest === ref.digest && tagsOf(snapshot, rec.id).some((t) => t.startsWith(`${ref.domain}/${ref.path}:`))) return rec;
  }
  return undefined;
}

/** Full tag references naming an image, sorted. */
export function tagsOf(snapshot: StoreSnapshot, id: Digest): string[] {
  const out: string[] = [];
  for (const [ref, target] of snapshot.tags) if (target === id) out.push(ref);
  return out.sort();
}

/** Tags and children of every image, computed once: listing 1,000 images must not be quadratic. */
export interface SnapshotIndex {
  tags(id: Digest): string[];
  children(id: Digest): number;
}

export function indexSnapshot(s: StoreSnapshot): SnapshotIndex {
  const tags = new Map<Digest, string[]>();
  const children = new Map<Digest, number>();
  for (const [ref, id] of s.tags) {
    const list = tags.get(id);
    if (list) list.push(ref);
    else tags.set(id, [ref]);
  }
  for (const rec of s.images.values()) if (rec.parent) children.set(rec.parent, (children.get(rec.parent) ?? 0) + 1);
  return { tags: (id) => (tags.get(id) ?? []).sort(), children: (id) => children.get(id) ?? 0 };
}

/** Image IDs whose parent is `id` (images made here by build or commit). */
export function childrenOf(snapshot: StoreSnapshot, id: Digest): Digest[] {
  const out: Digest[] = [];
  for (const rec of snapshot.images.values()) if (rec.parent === id) out.push(rec.id);
  return out;
}

export function isDangling(snapshot: StoreSnapshot, rec: ImageRecord): boolean {
  return tagsOf(snapshot, rec.id).length === 0 && rec.repoDigests.length === 0;
}
