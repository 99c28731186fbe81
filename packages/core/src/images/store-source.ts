// The local store as a copy source (save, and later push): serves blobs from the ContentStore and
// what the records know of each layer, so a save never re-reads a layer to learn its size.
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import type { ImageSource, KnownLayer, ManifestBytes, SourceImage } from '../contracts/location.js';
import type { LayerRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import type { StoreBackend } from '../contracts/plugin.js';
import { readBlob } from './store-blobs.js';

export class StoreSource implements ImageSource {
  readonly description = 'local store';
  // Blobs were verified when stored, so reading one from an offset (a push resuming) is safe.
  readonly ranged = true;
  private readonly layers = new Map<Digest, LayerRecord>();
  private readonly manifestTypes = new Map<Digest, string>();

  constructor(private readonly backend: StoreBackend, snapshot: StoreSnapshot, private readonly selection: SourceImage[] = []) {
    for (const rec of snapshot.images.values()) {
      this.manifestTypes.set(rec.manifest.digest, rec.manifest.mediaType);
      for (const l of rec.layers) this.layers.set(l.digest, l);
    }
  }

  async images(): Promise<SourceImage[]> {
    return this.selection;
  }

  async getManifest(digest: Digest): Promise<ManifestBytes> {
    const mediaType = this.manifestTypes.get(digest);
    if (!mediaType) throw new BerthError('ERR_MANIFEST_UNKNOWN', `manifest ${digest} is not in the store`);
    return { bytes: await readBlob(this.backend.content, digest), mediaType, digest };
  }

  getBlob(desc: Descriptor, options?: { offset?: number; signal?: AbortSignal }): Promise<Readable> {
    return this.backend.content.get(desc.digest, options);
  }

  knownLayer(digest: Digest): KnownLayer | undefined {
    const l = this.layers.get(digest);
    return l && { diffID: l.diffID, tarSize: l.tarSize, size: l.size };
  }

  async close(): Promise<void> {}
}
