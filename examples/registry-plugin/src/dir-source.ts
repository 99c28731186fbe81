// A repository of the dir registry as a copy source (what `berth pull` reads): the manifest a tag
// or digest names, verified against its digest, and blobs verified as they stream.
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BerthError, MediaType, referenceString, sha256, type Descriptor, type Digest, type ImageSource, type ManifestBytes, type Reference, type SourceImage } from '@berth/core';
import type { OciDir } from './oci-dir.js';

export class DirSource implements ImageSource {
  readonly description: string;

  constructor(private readonly repo: OciDir, private readonly ref: Reference) {
    this.description = referenceString(ref);
  }

  async images(): Promise<SourceImage[]> {
    const { ref } = this;
    if (ref.digest) {
      const m = await this.getManifest(ref.digest);
      // By digest, as docker does, the image carries no tag.
      return [{ descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length }, names: [] }];
    }
    const tag = ref.tag ?? 'latest';
    const entry = await this.repo.tagged(tag);
    if (!entry) throw new BerthError('ERR_MANIFEST_UNKNOWN', `manifest for ${referenceString(ref)} not found: manifest unknown`);
    return [{ descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size }, names: [referenceString({ ...ref, tag })] }];
  }

  async getManifest(digest: Digest): Promise<ManifestBytes> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.repo.blobPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BerthError('ERR_MANIFEST_UNKNOWN', `manifest ${digest} not found in ${this.description}: manifest unknown`);
      throw err;
    }
    const actual = sha256(bytes);
    if (actual !== digest) throw new BerthError('ERR_DIGEST_MISMATCH', `manifest ${digest}: digest mismatch: stored bytes hash to ${actual}`);
    return { bytes, digest, mediaType: mediaTypeOf(bytes, digest) };
  }

  getBlob(desc: Descriptor, options: { offset?: number } = {}): Promise<Readable> {
    // A resumed read could not be verified from its start; the engine asks only when the source
    // says it can, and this one never does.
    if (options.offset) throw new BerthError('ERR_UNSUPPORTED', 'the dir registry does not resume blob reads');
    return this.repo.openBlob(desc);
  }

  async close(): Promise<void> {}
}

/** A manifest's own mediaType field (Docker and OCI manifests carry one; OCI's default otherwise). */
function mediaTypeOf(bytes: Buffer, digest: Digest): string {
  let parsed: { mediaType?: unknown; manifests?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch {
    throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${digest} is not JSON`);
  }
  if (typeof parsed.mediaType === 'string') return parsed.mediaType;
  return Array.isArray(parsed.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
}
