// A registry repository as a copy source (pull): it offers the one manifest or index the reference
// names; manifests are verified against their digests and blobs while they stream.
import type { Readable } from 'node:stream';
import { referenceString, type Descriptor, type Digest, type GetBlobOptions, type ImageSource, type ManifestBytes, type Reference, type SourceImage } from '@berth/core';
import type { RegistryClient } from './registry-client.js';

export class RegistrySource implements ImageSource {
  readonly description: string;
  private readonly manifests = new Map<Digest, ManifestBytes>();
  private top?: SourceImage;

  constructor(private readonly client: RegistryClient, private readonly ref: Reference, private readonly signal?: AbortSignal) {
    this.description = referenceString(ref);
  }

  async images(): Promise<SourceImage[]> {
    if (!this.top) {
      const m = await this.client.getManifest(this.ref.digest ?? this.ref.tag ?? 'latest', this.signal);
      this.manifests.set(m.digest, m);
      // By digest Docker records no tag, only the repo digest.
      const names = this.ref.digest ? [] : [referenceString(this.ref)];
      this.top = { descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, names };
    }
    return [this.top];
  }

  async getManifest(digest: Digest): Promise<ManifestBytes> {
    const known = this.manifests.get(digest);
    if (known) return known;
    const m = await this.client.getManifest(digest, this.signal);
    this.manifests.set(digest, m);
    return m;
  }

  /** Range requests (dist-spec "Pulling blobs": registries may honour them; 200 is handled too). */
  readonly ranged = true;

  getBlob(desc: Descriptor, options: GetBlobOptions = {}): Promise<Readable> {
    const signal = options.signal ?? this.signal;
    return this.client.getBlob(desc, { ...(signal ? { signal } : {}), ...(options.offset ? { offset: options.offset } : {}), ...(options.verify === false ? { verify: false } : {}) });
  }

  async close(): Promise<void> {
    await this.client.http.close();
  }
}
