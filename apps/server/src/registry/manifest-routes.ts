// Manifest, tag-list and catalog endpoints (OCI dist-spec end-3, end-7, end-8a/b, end-9, and
// distribution's _catalog), with Accept negotiation and n/last pagination.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MediaType, isDigest } from '@berth/core';
import type { Referrers } from './referrers.js';
import type { RepositoryBlobs } from './repository-blobs.js';
import { RegistryError } from './registry-error.js';
import type { RegistryManifests } from './registry-manifests.js';
import type { RepositoryName } from './repository-name.js';
import { isTag } from './repository-name.js';
import { MAX_MANIFEST_BYTES } from './small-blob.js';

type Query = Record<string, string | undefined>;

function checkReference(reference: string): void {
  if (!isTag(reference) && !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference)) {
    throw new RegistryError('MANIFEST_INVALID', 400, `invalid tag or digest ${JSON.stringify(reference)}`);
  }
}

/** The media types an Accept header admits; undefined when it admits anything. */
function acceptedTypes(header: string | string[] | undefined): Set<string> | undefined {
  const values = (Array.isArray(header) ? header : header ? [header] : []).flatMap((h) => h.split(','));
  const types = values.map((v) => v.split(';')[0]!.trim().toLowerCase()).filter((t) => t !== '');
  if (types.length === 0 || types.includes('*/*')) return undefined;
  return new Set(types);
}

export async function getManifest(manifests: RegistryManifests, repo: RepositoryName, reference: string, req: FastifyRequest, reply: FastifyReply, head: boolean): Promise<void> {
  checkReference(reference);
  const m = await manifests.get(repo, reference);
  const accepted = acceptedTypes(req.headers.accept);
  // As distribution does: an OCI manifest or index is not sent to a client that did not ask for
  // OCI types (an old Docker would misread it); Docker's own types are always sent.
  const isOci = m.mediaType === MediaType.OciManifest || m.mediaType === MediaType.OciIndex;
  if (accepted && isOci && !accepted.has(m.mediaType)) {
    throw new RegistryError('MANIFEST_UNKNOWN', 404, `${m.mediaType} found for ${reference}, but the Accept header does not admit it`);
  }
  reply
    .code(200)
    .header('content-type', m.mediaType)
    .header('docker-content-digest', m.digest)
    .header('etag', `"${m.digest}"`)
    .header('content-length', m.bytes.length);
  return reply.send(head ? undefined : m.bytes);
}

export async function putManifest(manifests: RegistryManifests, repo: RepositoryName, reference: string, req: FastifyRequest, reply: FastifyReply, blobs?: RepositoryBlobs): Promise<void> {
  checkReference(reference);
  const bytes = await readBody(req, MAX_MANIFEST_BYTES);
  const contentType = req.headers['content-type']?.split(';')[0]?.trim();
  const digest = await manifests.put(repo, reference, bytes, contentType, blobs ? (d) => blobs.holds(repo, d) : undefined);
  await blobs?.link(repo, digest);
  reply.code(201).header('location', `/v2/${repo.name}/manifests/${digest}`).header('docker-content-digest', digest).header('content-length', 0);
  const subject = subjectOf(bytes);
  if (subject) reply.header('oci-subject', subject);
  return reply.send();
}

function subjectOf(bytes: Buffer): string | undefined {
  const doc = JSON.parse(bytes.toString('utf8')) as { subject?: { digest?: unknown } };
  return typeof doc.subject?.digest === 'string' ? doc.subject.digest : undefined;
}

async function readBody(req: FastifyRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new RegistryError('SIZE_INVALID', 413, `manifest of ${declared} bytes is larger than the ${limit} bytes allowed`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req.raw) {
    total += (c as Buffer).length;
    if (total > limit) throw new RegistryError('SIZE_INVALID', 413, `manifest is larger than the ${limit} bytes allowed`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function deleteManifest(manifests: RegistryManifests, repo: RepositoryName, reference: string, reply: FastifyReply): Promise<void> {
  checkReference(reference);
  await manifests.delete(repo, reference);
  reply.code(202).header('content-length', 0).send();
}

/** n/last pagination (dist-spec end-8b): entries after `last`, at most `n`, and a Link to the next page. */
function paginate(all: string[], query: Query, path: string, reply: FastifyReply): string[] {
  let list = all;
  if (query.last) list = list.filter((x) => x > query.last!);
  if (query.n !== undefined) {
    if (!/^\d+$/.test(query.n)) throw new RegistryError('PAGINATION_NUMBER_INVALID', 400, `invalid page size n=${query.n}`);
    const n = Number(query.n);
    if (list.length > n && n > 0) {
      list = list.slice(0, n);
      reply.header('link', `<${path}?n=${n}&last=${encodeURIComponent(list[list.length - 1]!)}>; rel="next"`);
    } else if (n === 0) list = [];
  }
  return list;
}

export async function listTags(manifests: RegistryManifests, repo: RepositoryName, query: Query, reply: FastifyReply): Promise<void> {
  const tags = await manifests.tags(repo);
  if (!tags) throw new RegistryError('NAME_UNKNOWN', 404, `repository ${repo.name} is not known to this registry`);
  const page = paginate(tags, query, `/v2/${repo.name}/tags/list`, reply);
  return reply.code(200).send({ name: repo.name, tags: page });
}

/** `visible` (auth on) keeps the repositories the client may pull. */
export async function catalog(manifests: RegistryManifests, query: Query, reply: FastifyReply, visible?: (repository: string) => boolean): Promise<void> {
  const all = await manifests.repositories();
  const page = paginate(visible ? all.filter(visible) : all, query, '/v2/_catalog', reply);
  return reply.code(200).send({ repositories: page });
}

/** OCI dist-spec end-12a/b: an image index of the manifests whose subject is `digest`. */
export async function listReferrers(referrers: Referrers, repo: RepositoryName, digest: string, query: Query, reply: FastifyReply): Promise<void> {
  if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', 400, `invalid digest ${JSON.stringify(digest)}`);
  const manifests = await referrers.list(repo.storeRepository, digest, query.artifactType);
  if (query.artifactType !== undefined) reply.header('oci-filters-applied', 'artifactType');
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }));
  return reply.code(200).header('content-type', MediaType.OciIndex).send(body);
}
