// What both archive formats share once staged: the images they offer, small JSON read back from
// memory, and the check that a layer file is a sound tar whose diffID is the one the config lists.
import { BerthError, type ErrorCode } from '../errors.js';
import type { Digest } from '../digest.js';
import type { ManifestBytes, SourceImage } from '../contracts/location.js';
import type { LayerStats } from '../layer/index.js';
import { JSON_IN_MEMORY_MAX, type StagedFile } from './entry-stager.js';

export interface ArchiveImage extends SourceImage {
  /**
   * The raw `org.opencontainers.image.ref.name` of an OCI index entry. When it is a bare tag
   * (`1.0`) it names no repository, so `names` is empty and the caller decides the repository.
   */
  refName?: string;
}

export interface ArchiveImages {
  format: 'docker' | 'oci';
  images: ArchiveImage[];
  manifests: Map<Digest, ManifestBytes>;
}

/** The bytes of a small JSON entry, kept in memory while staging. */
export function jsonOf(file: StagedFile, what: string, code: ErrorCode): Buffer {
  if (file.json) return file.json;
  const why = file.size > JSON_IN_MEMORY_MAX ? `larger than ${JSON_IN_MEMORY_MAX / 1024 / 1024} MiB` : 'not valid JSON';
  throw new BerthError(code, `${what}: ${why}`);
}

/** The inspected stats of a layer file; throws why it cannot be a layer, or a diffID mismatch. */
export function checkedLayer(file: StagedFile, diffID: Digest | undefined, what: string, declared?: 'none' | 'gzip' | 'zstd'): LayerStats {
  const layer = file.layer;
  if (!layer) throw new BerthError('ERR_LAYER_INVALID', `${what}: not a tar archive`);
  if (layer.error !== undefined) throw layer.error;
  if (!layer.stats) throw new BerthError('ERR_LAYER_INVALID', `${what}: could not be read as a tar`);
  if (declared !== undefined && declared !== layer.compression) {
    throw new BerthError('ERR_LAYER_INVALID', `${what}: declared ${declared === 'none' ? 'uncompressed' : declared} but the blob is ${layer.compression === 'none' ? 'uncompressed' : layer.compression}`);
  }
  if (diffID !== undefined && layer.stats.diffID !== diffID) {
    throw new BerthError('ERR_DIGEST_MISMATCH', `${what}: its uncompressed content is ${layer.stats.diffID} but the config's diff_id is ${diffID}`);
  }
  return layer.stats;
}

