// A registry repository as a copy destination (push): HEAD before upload, a cross-repository mount
// when the blob is known in another repository of the host, then a streamed upload; manifests by tag.
import type { Readable } from 'node:stream';
import { BerthError, discardEvents, parseNormalizedReference, type Descriptor, type EventSink, type ImageDestination, type LocationCapabilities, type ManifestBytes, type PutOptions } from '@berth/core';
import type { RegistryClient } from './registry-client.js';
import { UploadSessionFile } from './upload-session-file.js';

export interface RegistryDestinationSettings {
  events?: EventSink;
  mountFrom?: (digest: string) => readonly string[];
  /** Blobs above this size go up in PATCH chunks (see RegistryClient.uploadBlob). */
  chunkSize?: number;
  /** Where upload sessions are remembered; set, an interrupted push resumes (keptBytes). */
  uploadSessions?: string;
  signal?: AbortSignal;
}

/** Layers above this are sent in chunks, so a dropped connection loses at most one chunk. */
const DEFAULT_CHUNK_SIZE = 256 << 20;
/**
 * Blobs above this go up by PATCH, whose session can be asked about and resumed after a cut;
 * smaller ones by one PUT (nothing much to save, one request less).
 */
const RESUMABLE_FROM = 8 << 20;

export class RegistryDestination implements ImageDestination {
  readonly description: string;
  // Store layers go up as they are stored (gzip or plain tar): both are valid OCI layers, the
  // manifest digest stays the one the store knows, and no CPU goes into recompressing.
  readonly capabilities: LocationCapabilities;
  /** Sessions keptBytes found the registry still holding, by blob digest. */
  private readonly resumed = new Map<string, string>();
  private swept = false;

  constructor(private readonly client: RegistryClient, private readonly settings: RegistryDestinationSettings = {}) {
    this.description = `${client.http.endpoint.host}/${client.repository}`;
    this.capabilities = { sequential: false, adopt: false, mount: true, resume: settings.uploadSessions !== undefined };
  }

  private sessionFile(desc: Descriptor): UploadSessionFile | undefined {
    const dir = this.settings.uploadSessions;
    return dir === undefined || desc.size <= RESUMABLE_FROM ? undefined : new UploadSessionFile(dir, this.client.http.endpoint.host, this.client.repository, desc.digest);
  }

  /** What an earlier, interrupted upload of `desc` left in the registry (its upload status); 0 when nothing usable. */
  async keptBytes(desc: Descriptor): Promise<number> {
    this.resumed.delete(desc.digest);
    if (this.settings.uploadSessions !== undefined && !this.swept) {
      this.swept = true;
      await UploadSessionFile.sweep(this.settings.uploadSessions);
    }
    const file = this.sessionFile(desc);
    const location = await file?.load();
    if (!file || !location) return 0;
    const held = await this.client.uploadStatus(location, this.settings.signal);
    if (held === undefined || held > desc.size) {
      await file.remove();
      return 0;
    }
    this.resumed.set(desc.digest, location);
    return held;
  }

  hasBlob(desc: Descriptor): Promise<boolean> {
    return this.client.hasBlob(desc.digest, this.settings.signal);
  }

  async putBlob(desc: Descriptor, data: Readable, options: PutOptions = {}): Promise<void> {
    const signal = options.signal ?? this.settings.signal;
    const offset = options.offset ?? 0;
    const resumedAt = this.resumed.get(desc.digest);
    if (offset > 0) {
      if (resumedAt === undefined) throw new BerthError('ERR_INVALID_ARGUMENT', `no upload session of ${desc.digest} to resume at byte ${offset}`);
      return this.upload(desc, data, { location: resumedAt, minChunk: 0 }, offset, options, signal);
    }
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
    return this.upload(desc, data, session, 0, options, signal);
  }

  /** The upload itself; a resumable one's session URL is on disk until the blob is complete. */
  private async upload(desc: Descriptor, data: Readable, session: { location: string; minChunk: number }, offset: number, options: PutOptions, signal: AbortSignal | undefined): Promise<void> {
    const file = this.sessionFile(desc);
    await file?.save(session.location);
    await this.client.uploadBlob(desc, data, session, {
      chunkSize: this.settings.chunkSize ?? DEFAULT_CHUNK_SIZE,
      ...(file ? { monolithicMax: RESUMABLE_FROM, onLocation: (l: string) => file.save(l) } : {}),
      offset,
      ...(signal ? { signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    this.resumed.delete(desc.digest);
    await file?.remove();
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
