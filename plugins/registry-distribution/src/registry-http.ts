// HTTP to one registry host: timeouts on every request, bounded retries with backoff (network
// errors, 408/429/5xx, Retry-After honoured), redirects followed by hand, and the auth handshake.
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { BerthError, type ErrorCode } from '@berth/core';
import type { RegistryEndpoint } from './registry-endpoint.js';
import type { RegistryAuth } from './registry-auth.js';
import { ReadTransport } from './read-transport.js';

export interface HttpTimeouts {
  connectMs: number;
  /** Until the response headers arrive. */
  headersMs: number;
  /** Between two chunks of a body. */
  bodyMs: number;
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path under the base (`/v2/…`) or an absolute URL (an upload Location). */
  path: string;
  headers?: Record<string, string>;
  /** A replayable body (Buffer) may be retried; a stream is sent once. */
  body?: Buffer | Readable;
  /** `repository:NAME:pull,push` — the token scope this request needs. */
  scope?: string;
  signal?: AbortSignal;
  /** Statuses the caller handles itself instead of an error (404 on HEAD). */
  accept?: readonly number[];
}

export type RegistryResponse = Dispatcher.ResponseData;

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;

export interface RegistryHttpOptions {
  timeouts?: Partial<HttpTimeouts>;
  retries?: number;
  /** First backoff delay; doubled per attempt. */
  backoffMs?: number;
}

/** undici, loaded by the first request with a body, with the agent that holds our timeouts. */
interface LoadedUndici {
  agent: Agent;
  request: typeof import('undici').request;
}

export class RegistryHttp {
  /** Requests with a body (uploads, token forms) go through undici, loaded on the first one. */
  private undici: Promise<LoadedUndici> | undefined;
  private readonly timeouts: HttpTimeouts;
  private readonly reads: ReadTransport;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(readonly endpoint: RegistryEndpoint, readonly auth: RegistryAuth, options: RegistryHttpOptions = {}) {
    const env = timeoutFromEnv();
    const t = { connectMs: env ?? 10_000, headersMs: env ?? 30_000, bodyMs: env ?? 60_000, ...options.timeouts };
    this.timeouts = t;
    this.reads = new ReadTransport(t);
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.endpoint.base}${path}`;
  }

  /** Sends the request; throws a BerthError for any status outside 2xx/3xx and `accept`. */
  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    for (let attempt = 0; ; attempt++) {
      let res: RegistryResponse;
      try {
        res = await this.authorized(req);
      } catch (err) {
        // A server that hangs gets one more chance, not `retries` more timeouts.
        if (err instanceof BerthError || !replayable || attempt >= this.retries || req.signal?.aborted || (isTimeout(err) && attempt >= 1)) throw networkError(err, this.url(req.path));
        await sleep(this.backoffMs * 2 ** attempt, req.signal);
        continue;
      }
      if (RETRY_STATUSES.has(res.statusCode) && replayable && attempt < this.retries && !req.accept?.includes(res.statusCode)) {
        await res.body.dump().catch(() => {});
        await sleep(retryDelay(res.headers['retry-after'], this.backoffMs * 2 ** attempt), req.signal);
        continue;
      }
      if (res.statusCode >= 400 && !req.accept?.includes(res.statusCode)) throw await registryError(res, req);
      return res;
    }
  }

  /** One attempt: with the credentials we hold, then once more after answering a 401 challenge. */
  private async authorized(req: RegistryRequest): Promise<RegistryResponse> {
    const res = await this.follow(req, this.auth.header(req.scope));
    if (res.statusCode !== 401) return res;
    const challenge = res.headers['www-authenticate'];
    await res.body.dump().catch(() => {});
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    if (!(await this.auth.answer(typeof challenge === 'string' ? challenge : challenge?.[0], req.scope, this, req.signal)) || !replayable) {
      throw unauthorized(this.endpoint.host);
    }
    const again = await this.follow(req, this.auth.header(req.scope));
    if (again.statusCode === 401) {
      await again.body.dump().catch(() => {});
      throw unauthorized(this.endpoint.host);
    }
    return again;
  }

  private async follow(req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    let url = this.url(req.path);
    const origin = new URL(this.endpoint.base).origin;
    for (let hop = 0; ; hop++) {
      const sameOrigin = new URL(url).origin === origin;
      const headers = { 'user-agent': 'berth/0.1', ...req.headers, ...(authorization && sameOrigin ? { authorization } : {}) };
      const res = await this.request(url, req.method, headers, req.body, req.signal);
      const location = res.headers.location;
      // Blob GETs redirect to storage (S3, a CDN); credentials stay with the registry's origin.
      if ((req.method === 'GET' || req.method === 'HEAD') && res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        await res.body.dump().catch(() => {});
        if (hop >= MAX_REDIRECTS) throw new BerthError('ERR_REGISTRY', `too many redirects from ${this.url(req.path)}`);
        url = new URL(location, url).toString();
        continue;
      }
      return res;
    }
  }

  /** A plain request elsewhere (the token endpoint), with timeouts and the same retry rules. */
  async external(url: string, headers: Record<string, string>, signal?: AbortSignal, form?: URLSearchParams): Promise<RegistryResponse> {
    // A form makes it a POST (the OAuth2 token request); its body is small and re-sent on a retry.
    const method = form ? 'POST' : 'GET';
    const body = form?.toString();
    const all = { 'user-agent': 'berth/0.1', ...headers, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.request(url, method, all, body, signal);
        if (RETRY_STATUSES.has(res.statusCode) && attempt < this.retries) {
          await res.body.dump().catch(() => {});
          await sleep(retryDelay(res.headers['retry-after'], this.backoffMs * 2 ** attempt), signal);
          continue;
        }
        return res;
      } catch (err) {
        if (attempt >= this.retries || signal?.aborted || (isTimeout(err) && attempt >= 1)) throw networkError(err, url);
        await sleep(this.backoffMs * 2 ** attempt, signal);
      }
    }
  }

  private async request(url: string, method: RegistryRequest['method'], headers: Record<string, string>, body: Buffer | Readable | string | undefined, signal: AbortSignal | undefined): Promise<RegistryResponse> {
    if (body === undefined && (method === 'GET' || method === 'HEAD')) {
      return this.reads.request(url, { method, headers, ...(signal ? { signal } : {}) });
    }
    const { agent, request } = await this.withUndici();
    return request(url, { method, headers, dispatcher: agent, ...(body !== undefined ? { body } : {}), ...(signal ? { signal } : {}) });
  }

  private withUndici(): Promise<LoadedUndici> {
    // The default export is undici's module.exports both in node and in an esbuild bundle (whose
    // namespace for a CommonJS module holds nothing else).
    this.undici ??= import('undici').then(({ default: { Agent, request } }) => {
      const t = this.timeouts;
      return { agent: new Agent({ connect: { timeout: t.connectMs }, headersTimeout: t.headersMs, bodyTimeout: t.bodyMs }), request };
    });
    return this.undici;
  }

  async close(): Promise<void> {
    this.reads.close();
    if (this.undici) await (await this.undici).agent.close();
  }
}

/**
 * BERTH_REGISTRY_TIMEOUT=SECONDS: one limit for connecting, waiting for headers and waiting between
 * two pieces of a body (for slow links, or a test that wants a hanging server refused fast).
 */
export function timeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.BERTH_REGISTRY_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return undefined;
  const secs = Number(raw);
  if (!Number.isFinite(secs) || secs <= 0) throw new BerthError('ERR_INVALID_ARGUMENT', `BERTH_REGISTRY_TIMEOUT must be a number of seconds, got "${raw}"`);
  return Math.round(secs * 1000);
}

function unauthorized(host: string): BerthError {
  return new BerthError('ERR_UNAUTHORIZED', `unauthorized: authentication required for ${host}; try 'berth login ${host}'`);
}

/** Retry-After in seconds or as an HTTP date; capped so a hostile server cannot park us. */
function retryDelay(header: string | string[] | undefined, fallback: number): number {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return fallback;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - Date.now();
  return Math.min(Math.max(Number.isFinite(ms) ? ms : fallback, 0), 30_000);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new BerthError('ERR_ABORTED', 'aborted'));
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(new BerthError('ERR_ABORTED', 'aborted')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function isTimeout(err: unknown): boolean {
  return TIMEOUT_CODES.has((err as { code?: string } | undefined)?.code ?? '');
}

function networkError(err: unknown, url: string): unknown {
  if (err instanceof BerthError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  if (e?.name === 'AbortError') return new BerthError('ERR_ABORTED', 'aborted', { cause: err });
  const what = isTimeout(err) ? 'timed out' : (e?.message ?? String(err));
  return new BerthError('ERR_NETWORK', `${new URL(url).host}: ${what}`, { cause: err });
}

// dist-spec error codes that mean the same as one of berth's: a blob upload whose bytes do not
// hash to the digest given (400 DIGEST_INVALID), a manifest naming blobs the repository lacks.
const SPEC_CODES: Record<string, ErrorCode> = {
  DIGEST_INVALID: 'ERR_DIGEST_MISMATCH',
  SIZE_INVALID: 'ERR_SIZE_MISMATCH',
  MANIFEST_BLOB_UNKNOWN: 'ERR_BLOB_UNKNOWN',
};

/** Maps a registry's error JSON (dist-spec "Error Codes") to one line naming the thing. */
async function registryError(res: RegistryResponse, req: RegistryRequest): Promise<BerthError> {
  let detail = '';
  let specCode: string | undefined;
  try {
    const text = (await res.body.text()).slice(0, 4096);
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = json.errors?.[0];
    specCode = first?.code;
    if (first) detail = `${first.code ?? ''}${first.message ? `: ${first.message}` : ''}`;
  } catch {
    /* not JSON: the status says enough */
  }
  const code = SPEC_CODES[specCode ?? ''] ?? (res.statusCode === 404 ? (req.path.includes('/manifests/') ? 'ERR_MANIFEST_UNKNOWN' : 'ERR_BLOB_UNKNOWN') : res.statusCode === 403 ? 'ERR_UNAUTHORIZED' : 'ERR_REGISTRY');
  return new BerthError(code, `${req.method} ${req.path.replace(/\?.*/, '')}: ${res.statusCode}${detail ? ` ${detail}` : ''}`);
}
