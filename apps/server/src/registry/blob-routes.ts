// Blob reads and uploads (OCI dist-spec end-2, end-4a/4b, end-5, end-6, end-10, end-11, end-13):
// bytes stream between the socket, the session file and the ContentStore; never whole in memory.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDigest, type ContentStore, type Digest } from '@berth/core';
import { fileDescriptorOf, pumpFile } from './file-pump.js';
import { parseChunkRange, parseRangeHeader, uploadRange } from './byte-range.js';
import type { LayerFacts } from './layer-facts.js';
import { RegistryError } from './registry-error.js';
import type { RepositoryName } from './repository-name.js';
import type { UploadSessions, UploadState } from './upload-sessions.js';

export interface BlobDeps {
  content: ContentStore;
  sessions: UploadSessions;
  facts: LayerFacts;
  /** Advertised in OCI-Chunk-Min-Length; chunks are not refused for being smaller. */
  chunkMinLength: number;
  /** Told of each blob uploaded or mounted into a repository (auth on: RepositoryBlobs links). */
  onStored?: (repo: RepositoryName, digest: Digest) => Promise<void>;
}

type Query = Record<string, string | undefined>;

function digestParam(s: string | undefined, what: string): Digest {
  if (!s || !isDigest(s)) throw new RegistryError('DIGEST_INVALID', 400, `invalid ${what} digest ${JSON.stringify(s ?? '')}`);
  return s;
}

function blobLocation(repo: RepositoryName, digest: Digest): string {
  return `/v2/${repo.name}/blobs/${digest}`;
}

function uploadLocation(repo: RepositoryName, id: string): string {
  return `/v2/${repo.name}/blobs/uploads/${id}`;
}

export async function getBlob(deps: BlobDeps, repo: RepositoryName, digestText: string, req: FastifyRequest, reply: FastifyReply, head: boolean): Promise<void> {
  const digest = digestParam(digestText, 'blob');
  const info = await deps.content.stat(digest);
  if (!info) throw new RegistryError('BLOB_UNKNOWN', 404, `blob ${digest} is not in repository ${repo.name}`, { digest });
  reply.header('docker-content-digest', digest).header('content-type', 'application/octet-stream').header('accept-ranges', 'bytes');
  const range = head ? undefined : parseRangeHeader(req.headers.range, info.size);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${info.size}`);
    throw new RegistryError('RANGE_INVALID', 416, `range ${req.headers.range} is outside blob ${digest} (${info.size} bytes)`);
  }
  if (head) {
    // A push asks before it uploads: the blob it will not send must outlive gc's grace period
    // until its manifest arrives, however long it has lain unreferenced.
    await deps.content.touch?.(digest);
    reply.header('content-length', info.size).code(200).send();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? info.size - 1;
  const length = Math.max(0, end - start + 1);
  const stream = await deps.content.get(digest, { offset: start });
  reply.header('content-length', length);
  if (range) reply.code(206).header('content-range', `bytes ${start}-${end}/${info.size}`);
  else reply.code(200);
  const fd = fileDescriptorOf(stream);
  if (fd !== undefined) {
    // Written by hand (see file-pump.ts); fastify still logs and counts the answer when it ends.
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.raw.writeHead(reply.statusCode);
    try {
      await pumpFile(fd, start, length, reply.raw);
    } catch (err) {
      req.log.info({ err, digest }, 'blob answer cut short');
      reply.raw.destroy();
    } finally {
      stream.destroy();
    }
    return;
  }
  return reply.send(range && end < info.size - 1 ? Readable.from(firstBytes(stream, length)) : stream);
}

async function* firstBytes(src: Readable, n: number): AsyncGenerator<Buffer> {
  let left = n;
  try {
    for await (const chunk of src) {
      const c = chunk as Buffer;
      if (c.length >= left) {
        yield c.subarray(0, left);
        return;
      }
      left -= c.length;
      yield c;
    }
  } finally {
    src.destroy();
  }
}

/**
 * `mayMount` (auth on): whether the client may take `digest` from the `from` repository; when it
 * may not, the mount is ignored and a plain upload session starts, as distribution does.
 */
export async function startUpload(deps: BlobDeps, repo: RepositoryName, query: Query, req: FastifyRequest, reply: FastifyReply, mayMount?: (digest: Digest, from: string | undefined) => Promise<boolean>): Promise<void> {
  // Cross-repository mount: blobs are shared by every repository of the store, so any blob we hold mounts.
  if (query.mount !== undefined) {
    const digest = digestParam(query.mount, 'mount');
    if ((await deps.content.stat(digest)) && (!mayMount || (await mayMount(digest, query.from)))) {
      await deps.content.touch?.(digest);
      await deps.onStored?.(repo, digest);
      reply.code(201).header('location', blobLocation(repo, digest)).header('docker-content-digest', digest).send();
      return;
    }
  }
  const state = await deps.sessions.create(repo.name);
  if (query.digest !== undefined) {
    // Monolithic POST: the whole blob in this request's body.
    const expected = digestParam(query.digest, 'upload');
    const done = await deps.sessions.append(state, req.raw).catch(async (err: unknown) => {
      await deps.sessions.remove(state.id);
      throw err;
    });
    await finishUpload(deps, repo, done, expected, reply);
    return;
  }
  reply
    .code(202)
    .header('location', uploadLocation(repo, state.id))
    .header('range', uploadRange(0))
    .header('docker-upload-uuid', state.id)
    .header('oci-chunk-min-length', deps.chunkMinLength)
    .header('content-length', 0)
    .send();
}

async function checkedChunkStart(state: UploadState, req: FastifyRequest, repo: RepositoryName, reply: FastifyReply): Promise<void> {
  const header = req.headers['content-range'];
  const range = parseChunkRange(Array.isArray(header) ? header[0] : header);
  if (range === 'invalid') throw new RegistryError('BLOB_UPLOAD_INVALID', 400, `invalid Content-Range ${JSON.stringify(header)}`);
  // OCI dist-spec: a chunk that does not start where the upload stands is refused with 416.
  if (range && range.start !== state.offset) {
    reply.header('location', uploadLocation(repo, state.id)).header('range', uploadRange(state.offset)).header('docker-upload-uuid', state.id);
    req.raw.resume(); // drain what the client sends anyway, so the connection stays usable
    throw new RegistryError('RANGE_INVALID', 416, `chunk starts at ${range.start} but upload ${state.id} holds ${state.offset} bytes`);
  }
}

export async function patchUpload(deps: BlobDeps, repo: RepositoryName, id: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const state = await deps.sessions.get(id, repo.name);
  await checkedChunkStart(state, req, repo, reply);
  const next = await deps.sessions.append(state, req.raw);
  reply
    .code(202)
    .header('location', uploadLocation(repo, id))
    .header('range', uploadRange(next.offset))
    .header('docker-upload-uuid', id)
    .header('content-length', 0)
    .send();
}

export async function putUpload(deps: BlobDeps, repo: RepositoryName, id: string, query: Query, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  let state = await deps.sessions.get(id, repo.name);
  const expected = digestParam(query.digest, 'upload');
  if (hasBody(req)) {
    await checkedChunkStart(state, req, repo, reply);
    state = await deps.sessions.append(state, req.raw);
  }
  await finishUpload(deps, repo, state, expected, reply);
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Closes a session: the digest must match or nothing is kept; a match moves the file into the store. */
async function finishUpload(deps: BlobDeps, repo: RepositoryName, state: UploadState, expected: Digest, reply: FastifyReply): Promise<void> {
  try {
    if (!expected.startsWith('sha256:')) throw new RegistryError('DIGEST_INVALID', 400, `only sha256 digests are supported, not ${expected}`);
    const { digest, sniffer } = await deps.sessions.finish(state);
    if (digest !== expected) {
      throw new RegistryError('DIGEST_INVALID', 400, `uploaded content has digest ${digest}, not ${expected}`, { digest: expected });
    }
    const info = { digest, size: state.offset };
    const path = deps.sessions.dataPath(state.id);
    const store = async (): Promise<void> => {
      if (!(await deps.content.adopt?.(path, info))) await deps.content.put(createReadStream(path), { digest, size: state.offset });
    };
    // The inspector reads its own copy of the bytes: it finishes while the file is fsynced and moved.
    const [layer] = await Promise.all([sniffer?.finish(), store()]);
    if (layer) deps.facts.remember(digest, layer);
    await deps.onStored?.(repo, digest);
  } finally {
    await deps.sessions.remove(state.id);
  }
  reply.code(201).header('location', blobLocation(repo, expected)).header('docker-content-digest', expected).header('content-length', 0).send();
}

export async function uploadStatus(deps: BlobDeps, repo: RepositoryName, id: string, reply: FastifyReply): Promise<void> {
  const state = await deps.sessions.get(id, repo.name);
  reply.code(204).header('location', uploadLocation(repo, id)).header('range', uploadRange(state.offset)).header('docker-upload-uuid', id).send();
}

export async function cancelUpload(deps: BlobDeps, repo: RepositoryName, id: string, reply: FastifyReply): Promise<void> {
  await deps.sessions.get(id, repo.name);
  await deps.sessions.remove(id);
  reply.code(204).send();
}
