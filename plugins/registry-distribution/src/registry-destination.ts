// A registry repository as a copy destination (push): HEAD before upload, a cross-repository mount
// when the blob is known in another repository of the host, then a streamed upload; manifests by tag.
import type { Readable } from 'node:stream';
import { discardEvents, parseNormalizedReference, type Descriptor, type EventSink, type ImageDestination, type LocationCapabilities, type ManifestBytes, type PutOptions } from '@berth/core';
import type { RegistryClient } from './registry-client.js';

export interface RegistryDestinationSettings {
  events?: EventSink;
  mountFrom?: (digest: string) => readonly string[];
  /** Blobs above this size go up in PATCH chunks (see RegistryClient.uploadBlob). */
  chunkSize?: number;
  signal?: AbortSignal;
}

/** Layers above this are sent in chunks, so a dropped connection loses at most one chunk. */
const DEFAULT_CHUNK_SIZE = 256 << 20;

export class RegistryDestination implements ImageDestination {
  readonly description: string;
  // Store layers go up as they are stored (gzip or plain tar): both are valid OCI layers, the
  // manifest digest stays the one the store knows, and no CPU goes into recompressing.
  readonly capabilities: LocationCapabilities = { sequential: false, adopt: false, mount: true, resume: false };

  constructor(private readonly client: RegistryClient, private readonly settings: RegistryDestinationSettings = {}) {
    this.description = `${client.http.endpoint.host}/${client.repository}`;
  }

  hasBlob(desc: Descriptor): Promise<boolean> {
    return this.client.hasBlob(desc.digest, this.settings.signal);
  }

  async putBlob(desc: Descriptor, data: Readable, options: PutOptions = {}): Promise<void> {
    const signal = options.signal ?? this.settings.signal;
    let session: { location: string; minChunk: number } | undefined;
    for (const from of this.settings.mountFrom?.(desc.digest) ?? []) {
      if (from === this.client.repository) continue;
      const r = await this.client.mountBlob(desc.digest, from, signal);
      if (r.mounted) {
        data.destroy();
        (this.settings.events ?? discardEvents)({ id: shortId(desc.digest), status: `Mounted from ${familiarRepository(this.client.http.endpoint.host, from)}` });
        return;
      }
      session = r;
      break;
    }
    session ??= await this.client.startUpload(signal);
    await this.client.uploadBlob(desc, data, session, {
      chunkSize: this.settings.chunkSize ?? DEFAULT_CHUNK_SIZE,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  async putManifest(m: ManifestBytes, names: string[]): Promise<void> {
    const tags = names.map((n) => parseNormalizedReference(n).tag).filter((t): t is string => t !== undefined);
    if (tags.length === 0) return this.client.putManifest(m.digest, m, this.settings.signal);
    for (const tag of tags) await this.client.putManifest(tag, m, this.settings.signal);
  }

  async commit(): Promise<void> {
    await this.client.http.close();
  }

  async abort(): Promise<void> {
    await this.client.http.close().catch(() => {});
  }
}

function shortId(d: string): string {
  return d.slice(d.indexOf(':') + 1, d.indexOf(':') + 13);
}

function familiarRepository(host: string, repo: string): string {
  return host === 'docker.io' && repo.startsWith('library/') ? repo.slice('library/'.length) : repo;
}
