// `berth search` against one registry: Docker Hub's v1 search API (`GET /v1/search?q=&n=` on
// index.docker.io for docker.io, on the host itself otherwise), and for a registry without it
// (CNCF distribution answers 404) its `/v2/_catalog`, every page, filtered by name.
import { BerthError, type RegistrySearchOptions, type RegistrySearchResult, type RegistrySearchResults } from '@berth/core';
import { nextPage } from './link-header.js';
import { RegistryAuth } from './registry-auth.js';
import { registryEndpoint, type RegistryEndpoint } from './registry-endpoint.js';
import { RegistryHttp, type RegistryHttpOptions } from './registry-http.js';

/** Hub's search API lives on the index, not on registry-1 where images are. */
function searchEndpoint(host: string, insecureHosts?: readonly string[]): RegistryEndpoint {
  return host === 'docker.io' ? { host, base: 'https://index.docker.io' } : registryEndpoint(host, insecureHosts);
}

/** Catalog entries asked for per page, and a bound on pages (a registry looping its Link). */
const CATALOG_PAGE = 1000;
const MAX_CATALOG_PAGES = 10_000;

/** `catalogPage`: catalog entries asked per request (tests use a small one to walk pages). */
export async function searchRegistry(host: string, term: string, opts: RegistrySearchOptions, httpOptions: RegistryHttpOptions = {}, catalogPage = CATALOG_PAGE): Promise<RegistrySearchResults> {
  const lookup = opts.credentials;
  const auth = new RegistryAuth(async () => (lookup ? lookup(host) : undefined));
  const http = new RegistryHttp(searchEndpoint(host, opts.insecureHosts), auth, httpOptions);
  const signal = opts.signal ? { signal: opts.signal } : {};
  try {
    const res = await http.send({ method: 'GET', path: `/v1/search?q=${encodeURIComponent(term)}&n=${opts.limit}`, scope: 'registry:catalog:search', accept: [404, 405], ...signal });
    if (res.statusCode === 200) return { via: 'search', results: parseSearchBody(await readJSON(res.body, host, 'search')).slice(0, opts.limit) };
    await res.body.dump();
    if (host === 'docker.io') throw new BerthError('ERR_REGISTRY', `Unexpected status code ${res.statusCode}`);
    return { via: 'catalog', results: await searchCatalog(http, term, opts.limit, catalogPage, opts.signal) };
  } finally {
    await http.close();
  }
}

/** Repository names containing the term (case-insensitive, as a search would match them). */
async function searchCatalog(http: RegistryHttp, term: string, limit: number, pageSize: number, signal: AbortSignal | undefined): Promise<RegistrySearchResult[]> {
  const needle = term.toLowerCase();
  const out: RegistrySearchResult[] = [];
  let path: string | undefined = `/v2/_catalog?n=${pageSize}`;
  for (let page = 0; path && page < MAX_CATALOG_PAGES && out.length < limit; page++) {
    const res = await http.send({ method: 'GET', path, scope: 'registry:catalog:*', ...(signal ? { signal } : {}) });
    const body = (await readJSON(res.body, http.endpoint.host, 'catalog')) as { repositories?: unknown };
    for (const name of Array.isArray(body.repositories) ? body.repositories : []) {
      if (typeof name === 'string' && name.toLowerCase().includes(needle) && out.length < limit) {
        out.push({ name, description: '', starCount: 0, isOfficial: false, isAutomated: false });
      }
    }
    path = nextPage(res.headers.link);
  }
  return out;
}

async function readJSON(body: { text(): Promise<string> }, host: string, what: string): Promise<unknown> {
  const text = await body.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new BerthError('ERR_REGISTRY', `${host}: the ${what} answer is not JSON`);
  }
}

/** Hub's `{results: [{name, description, star_count, is_official, is_automated}]}`, checked. */
export function parseSearchBody(body: unknown): RegistrySearchResult[] {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new BerthError('ERR_REGISTRY', 'the search answer has no "results" list');
  return results.map((r: Record<string, unknown>) => ({
    name: typeof r.name === 'string' ? r.name : '',
    description: typeof r.description === 'string' ? r.description : '',
    starCount: typeof r.star_count === 'number' ? r.star_count : 0,
    isOfficial: r.is_official === true,
    isAutomated: r.is_automated === true,
  }));
}
