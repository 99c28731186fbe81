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

export interface DistributionAdapterOptions extends RegistryHttpOptions {
  /** PATCH chunk size for large blobs (default 256 MiB). */
  chunkSize?: number;
}

export class DistributionAdapter implements RegistryAdapter {
  constructor(private readonly options: DistributionAdapterOptions = {}) {}

  claims(): boolean {
    return true;
  }

  client(ref: Reference, opts: RegistryOpenOptions = {}): RegistryClient {
    const endpoint = registryEndpoint(ref.domain, opts.insecureHosts);
    const lookup = opts.credentials;
    const auth = new RegistryAuth(async () => (lookup ? lookup(ref.domain) : undefined));
    return new RegistryClient(new RegistryHttp(endpoint, auth, this.options), ref.path);
  }

  async source(ref: Reference, opts: RegistryOpenOptions = {}): Promise<ImageSource> {
    return new RegistrySource(this.client(ref, opts), ref, opts.signal);
  }

  async destination(ref: Reference, opts: RegistryDestinationOptions = {}): Promise<ImageDestination> {
    return new RegistryDestination(this.client(ref, opts), {
      ...(opts.events ? { events: opts.events } : {}),
      ...(opts.mountFrom ? { mountFrom: opts.mountFrom } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
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
    return searchRegistry(host, term, opts, this.options);
  }

  /** GET /v2/ with the credentials (dist-spec "API version check"): 200 means they work. */
  async login(host: string, credentials: RegistryCredentials, opts: Omit<RegistryOpenOptions, 'credentials'> = {}): Promise<void> {
    const auth = new RegistryAuth(async () => credentials);
    const http = new RegistryHttp(registryEndpoint(host, opts.insecureHosts), auth, this.options);
    try {
      const res = await http.send({ method: 'GET', path: '/v2/', ...(opts.signal ? { signal: opts.signal } : {}) });
      await res.body.dump();
    } catch (err) {
      if (err instanceof BerthError && err.code === 'ERR_UNAUTHORIZED') throw new BerthError('ERR_UNAUTHORIZED', `login to ${host} failed: unauthorized: incorrect username or password`);
      throw err;
    } finally {
      await http.close();
    }
  }
}
