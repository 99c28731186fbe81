// A repository of the dir registry as a copy destination (what `berth push` writes): blobs land
// verified, a manifest is refused while a blob it names is missing, then tagged in index.json.
import { Readable } from 'node:stream';
import { BerthError, parseManifest, parseNormalizedReference, sha256, type Descriptor, type ImageDestination, type LocationCapabilities, type ManifestBytes, type PutOptions } from '@berth/core';
import type { OciDir } from './oci-dir.js';

export class DirDestination implements ImageDestination {
  readonly capabilities: LocationCapabilities = { sequential: false, adopt: false, mount: false, resume: false };

  constructor(private readonly repo: OciDir, readonly description: string) {}

  hasBlob(desc: Descriptor): Promise<boolean> {
    return this.repo.hasBlob(desc);
  }

  putBlob(desc: Descriptor, data: Readable, options: PutOptions = {}): Promise<void> {
    return this.repo.putBlob(desc, data, options.onProgress);
  }

  async putManifest(manifest: ManifestBytes, names: string[]): Promise<void> {
    if (sha256(manifest.bytes) !== manifest.digest) throw new BerthError('ERR_DIGEST_MISMATCH', `manifest ${manifest.digest}: digest mismatch`);
    // As a registry does (dist-spec MANIFEST_BLOB_UNKNOWN): nothing may name what is not there.
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, `manifest ${manifest.digest}`);
    const children = parsed.kind === 'index' ? parsed.index.manifests : [parsed.manifest.config, ...parsed.manifest.layers];
    for (const child of children) {
      if (!(await this.repo.hasBlob(child))) throw new BerthError('ERR_BLOB_UNKNOWN', `manifest ${manifest.digest} names ${child.digest}, which ${this.description} does not hold`);
    }
    const desc: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    await this.repo.putBlob(desc, Readable.from([manifest.bytes]));
    for (const name of names) {
      const tag = parseNormalizedReference(name).tag;
      if (tag) await this.repo.tag(desc, tag);
    }
  }

  // Blobs and tags are in place as soon as they are written, as on a registry.
  async commit(): Promise<void> {}

  // A failed blob never left its temp file behind (OciDir.putBlob), so there is nothing to undo.
  async abort(): Promise<void> {}
}
