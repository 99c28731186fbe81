// Descriptors, manifests and indexes (OCI image spec, Docker schema2), validated on the way in:
// every JSON that comes from outside passes through parseManifest before anything trusts it.
import { BerthError } from './errors.js';
import { isDigest, type Digest } from './digest.js';
import { MediaType, isIndexMediaType, isManifestMediaType } from './media-types.js';
import type { Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; index: ImageIndex };

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
export const CONTAINERD_IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(what: string, why: string): never {
  throw new BerthError('ERR_MANIFEST_INVALID', `${what}: ${why}`);
}

function checkStringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) fail(what, 'annotations must map strings to strings');
  return v as Record<string, string>;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  if (!isObject(v)) fail(what, 'descriptor is not an object');
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') fail(what, 'descriptor has no mediaType');
  if (typeof digest !== 'string' || !isDigest(digest)) fail(what, `descriptor has an invalid digest ${JSON.stringify(digest)}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) fail(what, `descriptor has an invalid size ${JSON.stringify(size)}`);
  const out: Descriptor = { mediaType, digest, size };
  if (v.urls !== undefined) {
    if (!Array.isArray(v.urls) || !v.urls.every((u) => typeof u === 'string')) fail(what, 'descriptor urls must be strings');
    out.urls = v.urls as string[];
  }
  const annotations = checkStringMap(v.annotations, what);
  if (annotations) out.annotations = annotations;
  if (v.platform !== undefined) {
    const p = v.platform;
    if (!isObject(p) || typeof p.architecture !== 'string' || typeof p.os !== 'string') fail(what, 'descriptor platform needs os and architecture');
    out.platform = p as unknown as Platform;
  }
  if (typeof v.artifactType === 'string') out.artifactType = v.artifactType;
  return out;
}

/**
 * Parses and validates a manifest or index. `declaredMediaType` is what the transport said
 * (Content-Type, or a descriptor's mediaType); the body's own mediaType must agree with it.
 */
export function parseManifest(bytes: Uint8Array | string, declaredMediaType?: string, what = 'manifest'): ParsedManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch {
    fail(what, 'not valid JSON');
  }
  if (!isObject(doc)) fail(what, 'not a JSON object');
  if (doc.schemaVersion !== 2) {
    fail(what, doc.schemaVersion === 1 ? 'schema 1 manifests are not supported' : `unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)}`);
  }
  const bodyType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (bodyType && declaredMediaType && bodyType !== declaredMediaType && !(isGenericJson(declaredMediaType))) {
    fail(what, `mediaType ${bodyType} does not match the declared ${declaredMediaType}`);
  }
  const mediaType = bodyType ?? (declaredMediaType && !isGenericJson(declaredMediaType) ? declaredMediaType : undefined)
    ?? (Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest);
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, `${what} subject`);
  const annotations = checkStringMap(doc.annotations, what);
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : undefined;

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc.manifests)) fail(what, 'index has no manifests array');
    const manifests = doc.manifests.map((m, i) => parseDescriptor(m, `${what} manifests[${i}]`));
    const index: ImageIndex = { schemaVersion: 2, manifests };
    if (bodyType) index.mediaType = bodyType;
    if (artifactType) index.artifactType = artifactType;
    if (subject) index.subject = subject;
    if (annotations) index.annotations = annotations;
    return { kind: 'index', mediaType, index };
  }
  if (!isManifestMediaType(mediaType)) fail(what, `unsupported manifest media type ${mediaType}`);
  if (doc.config === undefined) fail(what, 'manifest has no config');
  if (!Array.isArray(doc.layers)) fail(what, 'manifest has no layers array');
  const manifest: ImageManifest = {
    schemaVersion: 2,
    config: parseDescriptor(doc.config, `${what} config`),
    layers: doc.layers.map((l, i) => parseDescriptor(l, `${what} layers[${i}]`)),
  };
  if (bodyType) manifest.mediaType = bodyType;
  if (artifactType) manifest.artifactType = artifactType;
  if (subject) manifest.subject = subject;
  if (annotations) manifest.annotations = annotations;
  return { kind: 'manifest', mediaType, manifest };
}

function isGenericJson(mt: string): boolean {
  return mt === 'application/json' || mt === 'text/plain' || mt === 'application/octet-stream';
}

/** The canonical bytes berth writes for a manifest or index it creates. */
export function manifestBytes(m: ImageManifest | ImageIndex): Buffer {
  return Buffer.from(JSON.stringify(m));
}
