// The RegistryAdapter for any OCI Distribution / Docker Registry v2 host: it claims every host,
// so a third-party adapter loaded before it can take a host of its own.
import { BerthError, type ImageDestination, type ImageSource, type Reference, type RegistryAdapter, type RegistryCredentials, type RegistryDestinationOptions, type RegistryOpenOptions, type RegistrySearchOptions, type RegistrySearchResults } from '@berth/core';
import { registryEndpoint } from './registry-endpoint.js';
import { RegistryAuth } from './registry-auth.js';
import { RegistryHttp, type RegistryHttpOptions } from './registry-http.js';
import { RegistryClient } from './registry-client.js';
import { RegistrySource } from './registry-source.js';
import { RegistryDestination } from './registry-destination.js';
import { searchRegistry } from './registry-search.js';
import { EMPTY_REGISTRIES_CONFIG, pullSources, registryEntryFor, type PullSource, type RegistriesConfig } from './registries-config.js';
import { MirroredSource } from './mirrored-source.js';

export interface DistributionAdapterOptions extends RegistryHttpOptions {
  /** PATCH chunk size for large blobs (default 256 MiB). */
  chunkSize?: number;
  /** Mirrors, remapped locations and insecure hosts from berth's config file. */
  registries?: RegistriesConfig;
}

/** A mirror that is down should cost one retry, not the origin's patience, before falling back. */
const MIRROR_RETRIES = 1;

export class DistributionAdapter implements RegistryAdapter {
  constructor(private readonly options: DistributionAdapterOptions = {}) {}

  claims(): boolean {
    return true;
  }

  private get registries(): RegistriesConfig {
    return this.options.registries ?? EMPTY_REGISTRIES_CONFIG;
  }

  /** Hosts allowed over HTTP for `host`: the caller's, the config's, and an insecure registries entry. */
  private insecureHosts(ref: Pick<Reference, 'domain' | 'path'>, opts: RegistryOpenOptions): string[] {
    const entry = registryEntryFor({ domain: ref.domain, path: ref.path } as Reference, this.registries);
    return [...(opts.insecureHosts ?? []), ...this.registries.insecureRegistries, ...(entry?.insecure ? [ref.domain] : [])];
  }

  /** A client for the origin of `ref` (push, tags, and pulls without mirrors). */
  client(ref: Reference, opts: RegistryOpenOptions = {}): RegistryClient {
    const endpoint = registryEndpoint(ref.domain, this.insecureHosts(ref, opts));
    return this.clientAt({ endpoint, repository: ref.path, credentialsHost: ref.domain, mirror: false }, opts);
  }

  private clientAt(at: PullSource, opts: RegistryOpenOptions): RegistryClient {
    const lookup = opts.credentials;
    const auth = new RegistryAuth(async () => (lookup ? lookup(at.credentialsHost) : undefined));
    const httpOptions = at.mirror ? { ...this.options, retries: Math.min(this.options.retries ?? MIRROR_RETRIES, MIRROR_RETRIES) } : this.options;
    return new RegistryClient(new RegistryHttp(at.endpoint, auth, httpOptions), at.repository);
  }

  /** Pull: the mirrors configured for `ref` first, then its origin (pull only; push goes to the origin). */
  async source(ref: Reference, opts: RegistryOpenOptions = {}): Promise<ImageSource> {
    const places = pullSources(ref, this.registries, [...(opts.insecureHosts ?? []), ...this.registries.insecureRegistries]);
    const only = places.length === 1 ? places[0]! : undefined;
    if (only && only.endpoint.host === ref.domain && only.repository === ref.path) return new RegistrySource(this.clientAt(only, opts), ref, opts.signal);
    return new MirroredSource(ref, places.map((p) => ({
      source: new RegistrySource(this.clientAt(p, opts), { ...ref, domain: p.endpoint.host, path: p.repository }, opts.signal),
      where: `${p.endpoint.host}/${p.repository}`,
      mirror: p.mirror,
    })));
  }

  async destination(ref: Reference, opts: RegistryDestinationOptions = {}): Promise<ImageDestination> {
    return new RegistryDestination(this.client(ref, opts), {
      ...(opts.events ? { events: opts.events } : {}),
      ...(opts.mountFrom ? { mountFrom: opts.mountFrom } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.uploadSessions ? { uploadSessions: opts.uploadSessions } : {}),
      ...(this.options.chunkSize ? { chunkSize: this.options.chunkSize } : {}),
    });
  }

  async tags(ref: Reference, opts: RegistryOpenOptions = {}): Promise<string[]> {
    const client = this.client(ref, opts);
    try {
      return await client.tags(opts.signal);
    } finally {
      await client.http.close();
    }
  }

  /** v1 search (Docker Hub's API), else the catalog filtered by name. */
  search(host: string, term: string, opts: RegistrySearchOptions): Promise<RegistrySearchResults> {
    return searchRegistry(host, term, { ...opts, insecureHosts: this.insecureHosts({ domain: host, path: '' }, opts) }, this.options);
  }

  /**
   * GET /v2/ with the credentials (dist-spec "API version check"): 200 means they work. A token
   * server asked for a refresh token (as docker asks) may hand one out: that is what to store.
   */
  async login(host: string, credentials: RegistryCredentials, opts: Omit<RegistryOpenOptions, 'credentials'> = {}): Promise<RegistryCredentials | void> {
    const auth = new RegistryAuth(async () => ({ ...credentials }), { offline: true });
    const http = new RegistryHttp(registryEndpoint(host, this.insecureHosts({ domain: host, path: '' }, opts)), auth, this.options);
    try {
      const res = await http.send({ method: 'GET', path: '/v2/', ...(opts.signal ? { signal: opts.signal } : {}) });
      await res.body.dump();
      if (auth.identityToken) return { ...(credentials.username !== undefined ? { username: credentials.username } : {}), identityToken: auth.identityToken };
    } catch (err) {
      if (err instanceof BerthError && err.code === 'ERR_UNAUTHORIZED') throw new BerthError('ERR_UNAUTHORIZED', `login to ${host} failed: unauthorized: incorrect username or password`);
      throw err;
    } finally {
      await http.close();
    }
  }
}
