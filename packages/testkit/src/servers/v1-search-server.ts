// A registry index that answers Docker Hub's v1 search API (`GET /v1/search?q=&n=`) from a fixed
// list of repositories with stars, official and automated flags, so `docker search` (through a
// dockerd) and `berth search` can be compared on the same answers. It returns matches in the
// list's order, as Hub returns its own ranking: a client that re-sorts shows up in a test.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One repository as Hub's search JSON names its fields. */
export interface V1SearchEntry {
  name: string;
  description: string;
  star_count: number;
  is_official: boolean;
  is_automated: boolean;
}

export interface V1SearchServerOptions {
  repositories: readonly V1SearchEntry[];
  /** Also match the term in descriptions, as Hub does (default true). */
  matchDescriptions?: boolean;
}

export interface V1SearchRequest {
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

export interface V1SearchServer {
  /** `127.0.0.1:PORT`: search it as `docker search 127.0.0.1:PORT/term`. */
  readonly host: string;
  readonly url: string;
  /** Every request received, in order (the daemon pings `/v1/_ping` first). */
  readonly requests: V1SearchRequest[];
  close(): Promise<void>;
}

export async function startV1SearchServer(options: V1SearchServerOptions): Promise<V1SearchServer> {
  const requests: V1SearchRequest[] = [];
  const matchDescriptions = options.matchDescriptions ?? true;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/v1/_ping') return json(200, true);
    if (url.pathname !== '/v1/search' || req.method !== 'GET') return json(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const n = Number(url.searchParams.get('n') ?? '25');
    // Hub refuses a page size outside 1..100 rather than clamping it.
    if (!Number.isInteger(n) || n < 1 || n > 100) return json(400, { error: `invalid page size ${url.searchParams.get('n')}` });
    const hits = options.repositories.filter((r) => r.name.toLowerCase().includes(q) || (matchDescriptions && r.description.toLowerCase().includes(q)));
    const results = hits.slice(0, n);
    json(200, { num_pages: Math.max(1, Math.ceil(hits.length / n)), num_results: hits.length, page_size: n, page: 1, query: url.searchParams.get('q') ?? '', results });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
