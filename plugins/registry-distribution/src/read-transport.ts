// GETs and HEADs through node:http: everything a pull asks (manifests, blobs, tokens) and most
// of a push. undici parses HTTP in WebAssembly, so every body byte is copied into and out of wasm
// memory; node's native parser hands the socket's buffers on as they are, which halves the CPU of
// reading a layer (a 220 MB blob: 190 ms user with undici, 85 ms here). And a pull need not load
// undici at all, ~0.1 s of a CLI's start. Same limits as undici's (connecting, the headers, the gap
// between body pieces), reported with undici's codes.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { HttpTimeouts } from './registry-http.js';

export interface ReadRequest {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
}

class TimeoutError extends Error {
  constructor(readonly code: 'UND_ERR_CONNECT_TIMEOUT' | 'UND_ERR_HEADERS_TIMEOUT' | 'UND_ERR_BODY_TIMEOUT', message: string) {
    super(message);
  }
}

export class ReadTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(private readonly timeouts: HttpTimeouts) {}

  request(url: string, req: ReadRequest): Promise<Dispatcher.ResponseData> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(u, {
        method: req.method,
        headers: req.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      // One limit for connecting (TLS included), then one for the headers once the request is sent.
      let timer = setTimeout(() => request.destroy(new TimeoutError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error')), this.timeouts.connectMs);
      const awaitHeaders = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => request.destroy(new TimeoutError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error')), this.timeouts.headersMs);
      };
      request.on('socket', (socket) => {
        if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', awaitHeaders);
        else awaitHeaders();
      });
      request.on('response', (res) => {
        clearTimeout(timer);
        res.setTimeout(this.timeouts.bodyMs, () => res.destroy(new TimeoutError('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error')));
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: withBodyMixin(res), trailers: {}, opaque: null, context: {} } as unknown as Dispatcher.ResponseData);
      });
      request.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      request.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The few undici body helpers the client uses (`dump`, `text`, `json`) on a node response. */
function withBodyMixin(res: http.IncomingMessage): Readable {
  const body = res as http.IncomingMessage & { dump(): Promise<void>; text(): Promise<string>; json(): Promise<unknown> };
  body.dump = async () => {
    res.resume();
    if (res.complete) return;
    await new Promise<void>((resolve) => res.once('end', resolve).once('close', resolve).once('error', () => resolve()));
  };
  body.text = async () => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  body.json = async () => JSON.parse(await body.text()) as unknown;
  return body;
}
