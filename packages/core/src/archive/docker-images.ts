// `docker save` archives (old `<id>/layer.tar` layout and Docker 25+'s OCI-inside layout alike):
// each manifest.json entry becomes an OCI manifest over the staged files, its layers checked
// against the config's rootfs.diff_ids.
import { BerthError } from '../errors.js';
import { sha256, type Digest } from '../digest.js';
import { parseImageConfig } from '../config.js';
import type { Descriptor, ImageManifest } from '../manifest.js';
import { MediaType, ociLayerMediaType } from '../media-types.js';
import { normalizeReferenceString } from '../reference.js';
import type { ManifestBytes } from '../contracts/location.js';
import type { ArchiveTree } from './archive-tree.js';
import { checkedLayer, jsonOf, type ArchiveImage, type ArchiveImages } from './archive-image.js';

interface ManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function invalid(why: string): never {
  throw new BerthError('ERR_MANIFEST_INVALID', `manifest.json: ${why}`);
}

/** Parses manifest.json (tarexport's manifestItem list), refusing anything but its shape. */
export function parseManifestJson(bytes: Buffer): ManifestItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    invalid('not valid JSON');
  }
  if (!Array.isArray(doc)) invalid('not a list of images (expected [{"Config", "RepoTags", "Layers"}, …])');
  return doc.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) invalid(`entry ${i} is not an object`);
    const { Config, RepoTags, Layers } = item as Record<string, unknown>;
    if (typeof Config !== 'string' || Config === '') invalid(`entry ${i} has no Config`);
    if (RepoTags !== undefined && RepoTags !== null && !(Array.isArray(RepoTags) && RepoTags.every((t) => typeof t === 'string'))) {
      invalid(`entry ${i}: RepoTags must be a list of strings`);
    }
    if (!Array.isArray(Layers) || !Layers.every((l) => typeof l === 'string')) invalid(`entry ${i}: Layers must be a list of paths`);
    return { Config, RepoTags: (RepoTags as string[] | null | undefined) ?? [], Layers: Layers as string[] };
  });
}

export function dockerArchiveImages(tree: ArchiveTree, manifestJson: Buffer, what: string): ArchiveImages {
  const images: ArchiveImage[] = [];
  const manifests = new Map<Digest, ManifestBytes>();
  const items = parseManifestJson(manifestJson);
  if (items.length === 0) invalid('lists no image');
  for (const item of items) {
    const configFile = tree.resolve(item.Config, what);
    if (!configFile) throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: manifest.json names the config "${item.Config}", which is not in the archive`);
    const config = parseImageConfig(jsonOf(configFile, `config ${item.Config}`, 'ERR_CONFIG_INVALID'), `config ${item.Config}`);
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== item.Layers.length) {
      invalid(`image ${item.Config} lists ${item.Layers.length} layers but its config has ${diffIDs.length} diff_ids`);
    }
    const layers: Descriptor[] = item.Layers.map((path, i) => {
      const file = tree.resolve(path, what);
      if (!file) throw new BerthError('ERR_ARCHIVE_INVALID', `${what}: manifest.json names the layer "${path}", which is not in the archive`);
      checkedLayer(file, diffIDs[i], `${what}: layer ${path}`);
      return { mediaType: ociLayerMediaType(file.layer?.compression ?? 'none'), digest: file.digest, size: file.size };
    });
    // Field order as Go's ocispec.Manifest marshals it: for a Docker 25+ archive these are the very
    // bytes (and digest) of the manifest blob Docker wrote.
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: configFile.digest, size: configFile.size },
      layers,
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256(bytes);
    manifests.set(digest, { bytes, mediaType: MediaType.OciManifest, digest });
    const names = [...new Set(item.RepoTags.map((t) => {
      try {
        return normalizeReferenceString(t);
      } catch (err) {
        throw new BerthError('ERR_INVALID_REFERENCE', `manifest.json: invalid RepoTag ${JSON.stringify(t)}: ${(err as Error).message}`);
      }
    }))];
    images.push({ descriptor: { mediaType: MediaType.OciManifest, digest, size: bytes.length }, names });
  }
  return { format: 'docker', images, manifests };
}
