// One repository on one registry, in the terms of the OCI Distribution API: manifests (verified
// against the digest asked for or Docker-Content-Digest), streamed blobs, uploads and mounts, tags.
import { PassThrough, Readable, Transform, pipeline } from 'node:stream';
import { BerthError, MediaType, VerifyingStream, digestAlgorithm, isDigest, type Descriptor, type Digest, type ManifestBytes } from '@berth/core';
import { createHash } from 'node:crypto';
import type { RegistryHttp } from './registry-http.js';

export const MANIFEST_ACCEPT = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList].join(', ');
/** Manifests are small; a registry sending more is refused before it fills memory. */
const MANIFEST_MAX_BYTES = 4 << 20;

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Blobs larger than this go up in PATCH chunks of this size (or the registry's minimum). */
  chunkSize?: number;
  /** Blobs up to this size go up in one PUT (default: the chunk size); larger ones by PATCH, which can resume. */
  monolithicMax?: number;
  /** The session already holds the bytes before this one (its upload status said so). */
  offset?: number;
  /** Each session URL the registry answers a PATCH with. */
  onLocation?: (location: string) => Promise<void>;
}

export class RegistryClient {
  constructor(readonly http: RegistryHttp, readonly repository: string) {}

  private get pullScope(): string {
    return `repository:${this.repository}:pull`;
  }

  private get pushScope(): string {
    return `repository:${this.repository}:pull,push`;
  }

  /** GET /v2/<name>/manifests/<tag|digest>, verified before anyone sees it. */
  async getManifest(reference: string, signal?: AbortSignal): Promise<ManifestBytes> {
    const res = await this.http.send({ method: 'GET', path: `/v2/${this.repository}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scope: this.pullScope, ...(signal ? { signal } : {}) });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MANIFEST_MAX_BYTES) {
        res.body.destroy();
        throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${this.repository}:${reference} is larger than ${MANIFEST_MAX_BYTES} bytes`);
      }
      chunks.push(c as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const header = res.headers['docker-content-digest'];
    const claimed = isDigest(reference) ? reference : typeof header === 'string' && isDigest(header) ? header : undefined;
    const digest = (claimed ? `${digestAlgorithm(claimed)}:${createHash(digestAlgorithm(claimed)).update(bytes).digest('hex')}` : `sha256:${createHash('sha256').update(bytes).digest('hex')}`) as Digest;
    if (claimed && digest !== claimed) {
      throw new BerthError('ERR_DIGEST_MISMATCH', `manifest ${this.repository}@${reference}: digest mismatch: expected ${claimed}, got ${digest}`);
    }
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
    let mediaType = contentType;
    try {
      const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
      if (typeof json.mediaType === 'string') mediaType = json.mediaType;
    } catch {
      throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${this.repository}:${reference} is not JSON`);
    }
    return { bytes, mediaType, digest };
  }

  /**
   * The blob as a stream that fails if its bytes do not hash to the descriptor's digest; from
   * `offset` with a Range request (the caller verifies then: a suffix cannot be hashed alone), or
   * unverified when the caller hashes every byte itself (`verify: false`).
   */
  async getBlob(desc: Descriptor, options: { signal?: AbortSignal; offset?: number; verify?: boolean } = {}): Promise<Readable> {
    const { signal, offset = 0 } = options;
    const res = await this.http.send({
      method: 'GET',
      path: `/v2/${this.repository}/blobs/${desc.digest}`,
      scope: this.pullScope,
      ...(offset > 0 ? { headers: { range: `bytes=${offset}-` } } : {}),
      ...(signal ? { signal } : {}),
    });
    let body: Readable = bodyErrors(res.body, `${this.http.endpoint.host}: blob ${desc.digest}`);
    if (offset > 0) body = fromOffset({ ...res, body }, offset, desc.digest);
    if (offset > 0 || options.verify === false) return body;
    const verify = new VerifyingStream(desc.digest, desc.size, `blob ${desc.digest}`);
    pipeline(body, verify, () => {});
    return verify;
  }

  async hasBlob(digest: Digest, signal?: AbortSignal): Promise<boolean> {
    const res = await this.http.send({ method: 'HEAD', path: `/v2/${this.repository}/blobs/${digest}`, scope: this.pushScope, accept: [404], ...(signal ? { signal } : {}) });
    await res.body.dump();
    return res.statusCode === 200;
  }

  /**
   * POST …/blobs/uploads/?mount=&from= (dist-spec "Mounting a blob from another repository"):
   * 201 means mounted; 202 means the registry opened an ordinary upload instead, which we return.
   */
  async mountBlob(digest: Digest, from: string, signal?: AbortSignal): Promise<{ mounted: true } | { mounted: false; location: string; minChunk: number }> {
    const res = await this.http.send({ method: 'POST', path: `/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, scope: `${this.pushScope} repository:${from}:pull`, body: Buffer.alloc(0), ...(signal ? { signal } : {}) });
    await res.body.dump();
    if (res.statusCode === 201) return { mounted: true };
    return { mounted: false, ...this.uploadSession(res) };
  }

  private uploadSession(res: { headers: Record<string, string | string[] | undefined>; statusCode: number }): { location: string; minChunk: number } {
    const location = res.headers.location;
    if (typeof location !== 'string') throw new BerthError('ERR_REGISTRY', `${this.repository}: upload started without a Location (${res.statusCode})`);
    const min = Number(res.headers['oci-chunk-min-length'] ?? 0);
    return { location: this.http.url(new URL(location, this.http.endpoint.base).toString()), minChunk: Number.isFinite(min) ? min : 0 };
  }

  async startUpload(signal?: AbortSignal): Promise<{ location: string; minChunk: number }> {
    const res = await this.http.send({ method: 'POST', path: `/v2/${this.repository}/blobs/uploads/`, scope: this.pushScope, body: Buffer.alloc(0), ...(signal ? { signal } : {}) });
    await res.body.dump();
    return this.uploadSession(res);
  }

  /**
   * How many bytes an upload session holds (dist-spec: GET on the session, 204 with `Range: 0-N`);
   * undefined when the registry no longer knows it or refuses it (distribution invalidates a
   * session whose PATCH was cut off, since its bytes no longer match the offset in `_state`).
   */
  async uploadStatus(location: string, signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.http.send({ method: 'GET', path: location, scope: this.pushScope, accept: [400, 404, 416], ...(signal ? { signal } : {}) }).catch(() => undefined);
    if (!res) return undefined;
    await res.body.dump();
    const range = res.headers.range;
    const m = res.statusCode === 204 && typeof range === 'string' ? /^(?:bytes=)?0-(\d+)$/.exec(range) : null;
    // `0-0` is distribution's answer for an empty session too: resuming from 0 is safe either way.
    return m ? (Number(m[1]) === 0 ? 0 : Number(m[1]) + 1) : undefined;
  }

  /**
   * Uploads a blob from byte `offset` (what the session already holds): one streamed PUT, or
   * PATCH chunks with Content-Range then a closing PUT. `onLocation` hears each session URL the
   * registry hands back, so an interrupted upload can be asked about later.
   */
  async uploadBlob(desc: Descriptor, data: Readable, session: { location: string; minChunk: number }, options: UploadOptions = {}): Promise<void> {
    const signal = options.signal;
    const counted = counting(data, options.onProgress);
    const chunkSize = options.chunkSize !== undefined ? Math.max(options.chunkSize, session.minChunk) : Infinity;
    const offset = options.offset ?? 0;
    let location = session.location;
    if (offset === 0 && desc.size <= (options.monolithicMax ?? chunkSize)) {
      const res = await this.http.send({ method: 'PUT', path: withDigest(location, desc.digest), headers: { 'content-type': 'application/octet-stream', 'content-length': String(desc.size) }, body: counted, scope: this.pushScope, ...(signal ? { signal } : {}) });
      await res.body.dump();
      return;
    }
    const source = (counted as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let carry: Buffer | undefined;
    for (let start = offset; start < desc.size; start += chunkSize) {
      const length = Math.min(chunkSize, desc.size - start);
      // The chunk streams from the layer as it is sent: never more than one read buffer is held.
      const body = async function* (): AsyncGenerator<Uint8Array> {
        let left = length;
        while (left > 0) {
          let piece = carry;
          carry = undefined;
          if (!piece) {
            const n = await source.next();
            if (n.done) throw new BerthError('ERR_SIZE_MISMATCH', `blob ${desc.digest} ended before its declared ${desc.size} bytes`);
            piece = n.value;
          }
          if (piece.length > left) {
            carry = piece.subarray(left);
            piece = piece.subarray(0, left);
          }
          left -= piece.length;
          yield piece;
        }
      };
      // OCI dist-spec: Content-Range is inclusive, and must start where the upload stands.
      const res = await this.http.send({ method: 'PATCH', path: location, headers: { 'content-type': 'application/octet-stream', 'content-length': String(length), 'content-range': `${start}-${start + length - 1}` }, body: Readable.from(body(), { objectMode: false }), scope: this.pushScope, ...(signal ? { signal } : {}) });
      await res.body.dump();
      location = this.uploadSession(res).location;
      await options.onLocation?.(location);
    }
    const res = await this.http.send({ method: 'PUT', path: withDigest(location, desc.digest), headers: { 'content-length': '0' }, body: Buffer.alloc(0), scope: this.pushScope, ...(signal ? { signal } : {}) });
    await res.body.dump();
  }

  async putManifest(reference: string, m: ManifestBytes, signal?: AbortSignal): Promise<void> {
    const res = await this.http.send({ method: 'PUT', path: `/v2/${this.repository}/manifests/${reference}`, headers: { 'content-type': m.mediaType }, body: m.bytes, scope: this.pushScope, ...(signal ? { signal } : {}) });
    await res.body.dump();
  }

  async tags(signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/v2/${this.repository}/tags/list?n=1000`;
    for (let page = 0; path && page < 1000; page++) {
      const res = await this.http.send({ method: 'GET', path, scope: this.pullScope, ...(signal ? { signal } : {}) });
      const json = (await res.body.json()) as { tags?: unknown };
      if (Array.isArray(json.tags)) for (const t of json.tags) if (typeof t === 'string') out.push(t);
      // RFC 5988 Link: </v2/…/tags/list?last=x&n=1000>; rel="next"
      const link = res.headers.link;
      const m = typeof link === 'string' ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      path = m ? m[1] : undefined;
    }
    return out;
  }
}

/**
 * The body with undici's failures said in one line (a registry that stalls or hangs up mid-blob):
 * `ERR_NETWORK` names the host and blob; the bytes themselves pass untouched.
 */
function bodyErrors(body: Readable, what: string): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  body.on('error', (err: Error & { code?: string }) => {
    const why = err.code === 'UND_ERR_BODY_TIMEOUT' ? 'timed out waiting for the rest of the body' : `connection lost before the end of the body (${err.message})`;
    out.destroy(err.name === 'AbortError' ? err : new BerthError('ERR_NETWORK', `${what}: ${why}`, { cause: err }));
  });
  out.on('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(out);
  return out;
}

/**
 * The bytes from `offset` of a ranged GET: a 206 must start there (RFC 9110 Content-Range); a
 * registry that ignores Range answers 200 with the whole blob, whose first bytes are skipped.
 */
function fromOffset(res: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: Readable }, offset: number, digest: Digest): Readable {
  if (res.statusCode === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== offset) {
      res.body.destroy();
      throw new BerthError('ERR_REGISTRY', `blob ${digest}: asked for bytes from ${offset}, got Content-Range "${String(res.headers['content-range'] ?? '')}"`);
    }
    return res.body;
  }
  let skip = offset;
  const skipper = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        return cb();
      }
      const rest = skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
      cb(null, rest);
    },
  });
  pipeline(res.body, skipper, () => {});
  return skipper;
}

function withDigest(location: string, digest: Digest): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

/** Counts bytes as they are consumed (a 'data' listener would start the flow before undici reads). */
function counting(data: Readable, onProgress: ((n: number) => void) | undefined): Readable {
  if (!onProgress) return data;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onProgress(chunk.length);
      cb(null, chunk);
    },
  });
  pipeline(data, counter, () => {});
  return counter;
}
