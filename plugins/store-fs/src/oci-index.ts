// index.json, the OCI image layout's entry point: one manifest descriptor per tag (annotated with
// the full reference, so `skopeo inspect oci:ROOT:docker.io/library/x:1` works) and one per dangling image.
import {
  BerthError,
  CONTAINERD_IMAGE_NAME_ANNOTATION,
  MediaType,
  REF_NAME_ANNOTATION,
  isDigest,
  type Descriptor,
  type Digest,
  type ImageRecord,
  type StoreSnapshot,
} from '@berth/core';

/** Parses index.json; anything but an image index with a `manifests` array is corruption. */
export function parseOciIndex(text: string, path: string): Descriptor[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw corrupt(path, 'not a JSON object');
  const { schemaVersion, manifests } = doc as Record<string, unknown>;
  if (schemaVersion !== 2) throw corrupt(path, `schemaVersion is ${JSON.stringify(schemaVersion)}, not 2`);
  if (!Array.isArray(manifests)) throw corrupt(path, 'it has no manifests array');
  manifests.forEach((m, i) => checkDescriptor(m, path, i));
  return manifests as Descriptor[];
}

/**
 * Checks an entry in place rather than copying it (parseDescriptor would): fields berth does not
 * know stay, so another tool's entries are written back as they were, and reads stay fast.
 */
function checkDescriptor(v: unknown, path: string, i: number): void {
  const d = v as Partial<Descriptor> | null;
  const bad = (why: string): BerthError => corrupt(path, `manifests[${i}] ${why}`);
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw bad('is not an object');
  if (typeof d.mediaType !== 'string' || d.mediaType === '') throw bad('has no mediaType');
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw bad(`has an invalid digest ${JSON.stringify(d.digest)}`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw bad(`has an invalid size ${JSON.stringify(d.size)}`);
  const a = d.annotations;
  if (a !== undefined && (typeof a !== 'object' || a === null || Object.values(a).some((x) => typeof x !== 'string'))) {
    throw bad('has annotations that are not strings');
  }
}

function corrupt(path: string, why: string, cause?: unknown): BerthError {
  return new BerthError('ERR_STORE_CORRUPT', `${path} is not a valid OCI image index (${why}); restore it or remove the store`, { cause });
}

/**
 * The tag an entry names. Ours carry the full reference in both annotations. Docker 25+'s OCI
 * export puts only the tag (`latest`) in ref.name and the full name in io.containerd.image.name;
 * umoci copies annotations when it re-tags, so ref.name wins unless it is that bare tag.
 */
export function entryTag(desc: Descriptor): string | undefined {
  const refName = desc.annotations?.[REF_NAME_ANNOTATION];
  const imageName = desc.annotations?.[CONTAINERD_IMAGE_NAME_ANNOTATION];
  if (refName && imageName && !/[/:@]/.test(refName) && imageName.endsWith(`:${refName}`)) return imageName;
  return refName || imageName || undefined;
}

/**
 * index.json for a snapshot: tagged entries sorted by tag, then dangling images (no annotation,
 * so OCI tools still count their blobs as referenced), then entries of other tools kept as they were.
 */
export function encodeOciIndex(snapshot: StoreSnapshot, foreign: readonly Descriptor[]): string {
  const entries: Descriptor[] = [];
  const tagged = new Set<Digest>();
  for (const tag of [...snapshot.tags.keys()].sort()) {
    const id = snapshot.tags.get(tag);
    const record = id === undefined ? undefined : snapshot.images.get(id);
    if (!record) continue;
    tagged.add(record.id);
    entries.push(manifestEntry(record, { [CONTAINERD_IMAGE_NAME_ANNOTATION]: tag, [REF_NAME_ANNOTATION]: tag }));
  }
  for (const record of snapshot.images.values()) {
    if (!tagged.has(record.id)) entries.push(manifestEntry(record));
  }
  for (const desc of foreign) {
    const tag = entryTag(desc);
    // A berth tag of the same name replaces the other tool's: two entries for one name are ambiguous.
    if (tag === undefined || !snapshot.tags.has(tag)) entries.push(desc);
  }
  return JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: entries });
}

function manifestEntry(record: ImageRecord, annotations?: Record<string, string>): Descriptor {
  const { mediaType, digest, size } = record.manifest;
  const desc: Descriptor = { mediaType, digest, size };
  if (annotations) desc.annotations = annotations;
  return desc;
}
