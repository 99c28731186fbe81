// A `docker save` archive or an OCI archive as an image source: read once into a staging dir,
// then served from the staged files, which a store may adopt by rename instead of copying.
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';
import type { ImageSource, ManifestBytes } from '../contracts/location.js';
import type { LayerStats } from '../layer/index.js';
import { removeStaged, stageArchive, type StagedArchive } from './archive-reader.js';
import { jsonOf, type ArchiveImage, type ArchiveImages } from './archive-image.js';
import { dockerArchiveImages } from './docker-images.js';
import { ociArchiveImages } from './oci-images.js';

export interface ArchiveSourceOptions {
  /** Where entries are staged; a store that adopts files wants it on its own filesystem. */
  stagingDir: string;
  /** Accept device nodes in layers (default true, as Docker does when run as root). */
  allowDevices?: boolean;
  signal?: AbortSignal;
  /** Names the archive in messages (`archive` by default). */
  description?: string;
}

export class ArchiveSource implements ImageSource {
  readonly description: string;
  readonly format: 'docker' | 'oci';

  constructor(description: string, private readonly staged: StagedArchive, private readonly found: ArchiveImages) {
    this.description = description;
    this.format = found.format;
  }

  async images(): Promise<ArchiveImage[]> {
    return this.found.images.map((i) => ({ ...i, names: [...i.names] }));
  }

  async getManifest(digest: Digest): Promise<ManifestBytes> {
    const m = this.found.manifests.get(digest);
    if (!m) throw new BerthError('ERR_MANIFEST_UNKNOWN', `${this.description}: manifest ${digest} is not in the archive`);
    return m;
  }

  async getBlob(desc: Descriptor, options: { offset?: number; signal?: AbortSignal } = {}): Promise<Readable> {
    const file = this.staged.blobs.get(desc.digest);
    if (!file) throw new BerthError('ERR_BLOB_UNKNOWN', `${this.description}: blob ${desc.digest} is not in the archive`);
    const handle = await open(file.path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new BerthError('ERR_BLOB_UNKNOWN', `${this.description}: blob ${desc.digest} was already handed over`);
      throw err;
    });
    return handle.createReadStream({ start: options.offset ?? 0, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** The staged file holding the verified blob; a store may rename it away (close() then skips it). */
  localBlobPath(digest: Digest): string | undefined {
    return this.staged.blobs.get(digest)?.path;
  }

  /** diffID, tar size and Docker size of a layer blob, computed during the single read. */
  layerStats(blobDigest: Digest): LayerStats | undefined {
    const layer = this.staged.blobs.get(blobDigest)?.layer;
    return layer?.error === undefined ? layer?.stats : undefined;
  }

  knownLayer(digest: Digest): LayerStats | undefined {
    return this.layerStats(digest);
  }

  /** Deletes the staged files that were not adopted. */
  async close(): Promise<void> {
    await removeStaged(this.staged.stagedPaths);
  }
}

function findImages(staged: StagedArchive, what: string): ArchiveImages {
  const { tree } = staged;
  const manifestJson = tree.resolve('manifest.json', what);
  if (manifestJson) return dockerArchiveImages(tree, jsonOf(manifestJson, 'manifest.json', 'ERR_MANIFEST_INVALID'), what);
  const index = tree.resolve('index.json', what);
  if (index) return ociArchiveImages(tree, jsonOf(index, 'index.json', 'ERR_MANIFEST_INVALID'), what);
  if (tree.resolve('repositories', what)) {
    throw new BerthError('ERR_UNSUPPORTED', `${what}: this archive predates manifest.json (Docker before 1.10), which berth does not read`);
  }
  throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: neither manifest.json nor index.json found: not a docker save or OCI archive`);
}

/**
 * Reads a docker-archive or OCI archive (plain or gzip) in one streaming pass. Throws a BerthError
 * (ERR_ARCHIVE_INVALID, ERR_UNSAFE_PATH, ERR_DIGEST_MISMATCH, ERR_MANIFEST_INVALID, …) with the staging dir left clean.
 */
export async function openArchiveSource(input: Readable, options: ArchiveSourceOptions): Promise<ArchiveSource> {
  const what = options.description ?? 'archive';
  const staged = await stageArchive(input, {
    stagingDir: options.stagingDir,
    what,
    ...(options.allowDevices !== undefined ? { allowDevices: options.allowDevices } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return new ArchiveSource(what, staged, findImages(staged, what));
  } catch (err) {
    await removeStaged(staged.stagedPaths);
    throw err;
  }
}
