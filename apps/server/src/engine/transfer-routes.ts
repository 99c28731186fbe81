// The endpoints that reach a registry or another source: pull and import (/images/create), push,
// search and /auth. The registry adapter is the one berth's plugin host picks for the host; the
// credentials are the client's (X-Registry-Auth), never berthd's own.
import { Readable } from 'node:stream';
import {
  BerthError, emptyContainerConfig, familiarString, insecureHosts, isBerthError, filterSearchResults, parseNormalizedReference, parsePlatform, parseSearchFilters, parseTagReference,
  searchLimit, serverHost, splitSearchTerm, type ContainerConfig, type ImageService, type Reference, type RegistryAdapter, type TransferConcurrency,
} from '@berth/core';
import { EngineError } from './engine-error.js';
import type { EngineEvents } from './engine-events.js';
import { filterArgs } from './engine-filters.js';
import { LazyResponse } from './lazy-response.js';
import { credentialsOf, registryOptionsFrom, type AuthConfigBody } from './registry-auth-header.js';
import type { EngineRequest } from './image-routes.js';

export interface TransferDeps {
  images: ImageService;
  /** The registry adapter that claims `host`. */
  registryAdapter(host: string): Promise<RegistryAdapter>;
  /** Applies `--change` instructions (the Dockerfile frontend, as `berth import` uses). */
  applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig | Promise<ContainerConfig>;
  /** Layers at once (berth's config file: `max-concurrent-downloads`/`-uploads`); core's default without. */
  concurrency?: TransferConcurrency;
  /** Where pulls and pushes are told (`docker events`). */
  events?: EngineEvents;
}

/** `fromImage` plus `tag` as dockerd joins them: a tag that is a digest makes `name@digest`. */
function pullReference(fromImage: string, tag: string): Reference {
  const joined = tag === '' ? fromImage : /^[a-z0-9]+:[a-f0-9]{32,}$/.test(tag) ? `${fromImage}@${tag}` : `${fromImage}:${tag}`;
  try {
    return parseNormalizedReference(joined);
  } catch (err) {
    throw new EngineError(400, (err as Error).message);
  }
}

export async function createImage(deps: TransferDeps, r: EngineRequest): Promise<void> {
  const fromImage = r.query.get('fromImage');
  const fromSrc = r.query.get('fromSrc');
  if (fromImage) return pull(deps, fromImage, r);
  if (fromSrc) return importImage(deps, fromSrc, r);
  throw new EngineError(400, 'fromImage or fromSrc is required');
}

async function pull(deps: TransferDeps, fromImage: string, r: EngineRequest): Promise<void> {
  const ref = pullReference(fromImage, r.query.get('tag') ?? '');
  const platformArg = r.query.get('platform');
  const platform = platformArg ? parsePlatform(platformArg) : undefined;
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  try {
    const registry = registryOptionsFrom(r.req.headers['x-registry-auth'], out.signal);
    const adapter = await deps.registryAdapter(ref.domain);
    // No tag and no digest: every tag of the repository, as dockerd does for `docker pull -a`.
    const targets = ref.tag !== undefined || ref.digest !== undefined ? [ref] : (await adapter.tags(ref, registry)).map((tag) => ({ ...ref, tag }));
    for (const target of targets) {
      await deps.images.pull(adapter, target, { registry, events: out.progress, signal: out.signal, ...(platform ? { platform } : {}), ...(deps.concurrency ? { concurrency: deps.concurrency.downloads } : {}) });
      const shown = familiarString(target);
      deps.events?.emit('image', 'pull', shown, { name: shown });
    }
    out.finish();
  } catch (err) {
    // dockerd answers "pull access denied" as not found (404): a 401 would make the docker CLI
    // prompt for a login and retry.
    out.finish(isBerthError(err, 'ERR_UNAUTHORIZED') ? new EngineError(404, err.message) : err);
  }
}

async function importImage(deps: TransferDeps, fromSrc: string, r: EngineRequest): Promise<void> {
  const repo = r.query.get('repo') ?? '';
  const tag = r.query.get('tag') ?? '';
  const name = repo === '' ? undefined : tag === '' ? repo : `${repo}:${tag}`;
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  try {
    if (name !== undefined) parseTagReference(name);
    const platformArg = r.query.get('platform');
    const platform = platformArg ? parsePlatform(platformArg) : undefined;
    const config = await deps.applyChanges(emptyContainerConfig(), r.query.getAll('changes'));
    let input: Readable;
    if (fromSrc === '-') input = r.req.raw;
    else if (/^https?:\/\//i.test(fromSrc)) {
      const res = await fetch(fromSrc, { redirect: 'follow', signal: out.signal });
      if (!res.ok || !res.body) throw new BerthError('ERR_IO', `import from ${fromSrc}: the server answered ${res.status} ${res.statusText}`);
      input = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    } else throw new EngineError(400, `fromSrc must be "-" or an http(s) URL, not ${JSON.stringify(fromSrc)}`);
    const message = r.query.get('message');
    const id = await deps.images.importImage(input, {
      source: fromSrc,
      config,
      signal: out.signal,
      ...(name !== undefined ? { tag: name } : {}),
      ...(message ? { message } : {}),
      ...(platform ? { platform } : {}),
    });
    // dockerd tells the new name first, then the import, naming the image by its ID.
    if (name !== undefined) deps.events?.emit('image', 'tag', id, { name: familiarString(parseNormalizedReference(name)) });
    deps.events?.emit('image', 'import', id, { name: id });
    out.messages({ status: id });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

export async function pushImage(deps: TransferDeps, name: string, r: EngineRequest): Promise<void> {
  let ref: Reference;
  try {
    ref = parseNormalizedReference(name);
  } catch (err) {
    throw new EngineError(400, (err as Error).message);
  }
  const tag = r.query.get('tag');
  if (tag) ref = { ...ref, tag };
  const out = new LazyResponse(r.req, r.reply, 'application/json');
  try {
    const registry = registryOptionsFrom(r.req.headers['x-registry-auth'], out.signal);
    const adapter = await deps.registryAdapter(ref.domain);
    // No tag: every tag of the repository (`docker push -a`).
    const pushed = await deps.images.push(adapter, ref, { registry, events: out.progress, signal: out.signal, ...(deps.concurrency ? { concurrency: deps.concurrency.uploads } : {}) });
    for (const p of pushed) {
      const shown = familiarString(p.reference);
      deps.events?.emit('image', 'push', shown, { name: shown });
    }
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

export async function searchImages(deps: TransferDeps, r: EngineRequest): Promise<unknown> {
  const term = r.query.get('term') ?? '';
  if (term === '') throw new EngineError(400, 'term is required');
  const filters = parseSearchFilters(filterArgs(r.query.get('filters')));
  const limitArg = r.query.get('limit');
  const limit = searchLimit(limitArg ? Number(limitArg) : undefined);
  if (filters.nothing) return [];
  const { host, term: bare } = splitSearchTerm(term);
  const adapter = await deps.registryAdapter(host);
  if (!adapter.search) throw new BerthError('ERR_UNSUPPORTED', `the registry adapter for ${host} cannot search`);
  const found = await adapter.search(host, bare, { ...registryOptionsFrom(r.req.headers['x-registry-auth']), limit });
  return filterSearchResults(found.results, filters).map((x) => ({ star_count: x.starCount, is_official: x.isOfficial, name: x.name, is_automated: x.isAutomated, description: x.description }));
}

/** `docker login` through the daemon: the adapter checks the credentials against the registry. */
export async function auth(deps: TransferDeps, body: AuthConfigBody): Promise<unknown> {
  const host = serverHost(body.serveraddress);
  const creds = credentialsOf(body);
  if (!creds) throw new EngineError(400, 'username and password (or an identity token) are required');
  const adapter = await deps.registryAdapter(host);
  await adapter.login(host, creds, { insecureHosts: insecureHosts() });
  return { Status: 'Login Succeeded', IdentityToken: '' };
}
