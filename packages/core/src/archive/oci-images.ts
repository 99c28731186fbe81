// OCI archives (a tar of an OCI image layout: skopeo `oci-archive:`, buildx `type=oci`): the images
// are index.json's entries, named by their annotations; every manifest reached is checked.
import { BerthError } from '../errors.js';
import { digestHex, type Digest } from '../digest.js';
import { isConfigMediaType, isIndexMediaType, isManifestMediaType, layerCompression } from '../media-types.js';
import { parseImageConfig } from '../config.js';
import { CONTAINERD_IMAGE_NAME_ANNOTATION, REF_NAME_ANNOTATION, parseManifest, type Descriptor } from '../manifest.js';
import { normalizeReferenceString } from '../reference.js';
import type { ManifestBytes } from '../contracts/location.js';
import type { ArchiveTree } from './archive-tree.js';
import type { StagedFile } from './entry-stager.js';
import { checkedLayer, jsonOf, type ArchiveImage, type ArchiveImages } from './archive-image.js';

/** Names an index entry carries: containerd's full name, else ref.name when it is a full reference. */
export function ociNames(desc: Descriptor): { names: string[]; refName?: string } {
  const full = desc.annotations?.[CONTAINERD_IMAGE_NAME_ANNOTATION];
  const refName = desc.annotations?.[REF_NAME_ANNOTATION];
  const out: { names: string[]; refName?: string } = { names: [] };
  if (refName !== undefined) out.refName = refName;
  if (full) out.names = [normalizeReferenceString(full)];
  // containerd's rule (images/archive refTranslator): "/", ":" or "@" make it a full reference;
  // anything else is a bare tag that names no repository.
  else if (refName && /[/:@]/.test(refName)) out.names = [normalizeReferenceString(refName)];
  return out;
}

class OciWalker {
  readonly manifests = new Map<Digest, ManifestBytes>();

  constructor(private readonly tree: ArchiveTree, private readonly what: string) {}

  blob(desc: Descriptor, label: string): StagedFile | undefined {
    if (!desc.digest.startsWith('sha256:')) throw new BerthError('ERR_UNSUPPORTED', `${this.what}: ${label} ${desc.digest}: only sha256 blobs are supported`);
    const file = this.tree.resolve(`blobs/sha256/${digestHex(desc.digest)}`, this.what);
    // Its digest was checked against the name while staging.
    if (file && file.size !== desc.size) {
      throw new BerthError('ERR_SIZE_MISMATCH', `${this.what}: ${label} ${desc.digest} is ${file.size} bytes, the descriptor says ${desc.size}`);
    }
    return file;
  }

  required(desc: Descriptor, label: string): StagedFile {
    const file = this.blob(desc, label);
    if (!file) throw new BerthError('ERR_ARCHIVE_INVALID', `${this.what}: ${label} ${desc.digest} is not in the archive`);
    return file;
  }

  /** Checks a manifest or index and everything it references that the archive holds. */
  visit(desc: Descriptor, depth = 0): void {
    if (this.manifests.has(desc.digest)) return;
    if (depth > 8) throw new BerthError('ERR_MANIFEST_INVALID', `${this.what}: indexes nested too deep at ${desc.digest}`);
    const file = this.required(desc, 'manifest');
    const bytes = jsonOf(file, `manifest ${desc.digest}`, 'ERR_MANIFEST_INVALID');
    const parsed = parseManifest(bytes, desc.mediaType, `manifest ${desc.digest}`);
    this.manifests.set(desc.digest, { bytes, mediaType: parsed.mediaType, digest: desc.digest });
    if (parsed.kind === 'index') {
      // A partial export (one platform of many) keeps the index but not every child.
      for (const child of parsed.index.manifests) {
        if ((isManifestMediaType(child.mediaType) || isIndexMediaType(child.mediaType)) && this.blob(child, 'manifest')) this.visit(child, depth + 1);
      }
      return;
    }
    const man = parsed.manifest;
    const configFile = this.required(man.config, 'config');
    const diffIDs = isConfigMediaType(man.config.mediaType)
      ? parseImageConfig(jsonOf(configFile, `config ${man.config.digest}`, 'ERR_CONFIG_INVALID'), `config ${man.config.digest}`).rootfs.diff_ids
      : undefined;
    if (diffIDs && diffIDs.length !== man.layers.length) {
      throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${desc.digest} has ${man.layers.length} layers but its config lists ${diffIDs.length} diff_ids`);
    }
    man.layers.forEach((layer, i) => {
      // Foreign layers (with urls) may be left out of an archive.
      const file = layer.urls?.length ? this.blob(layer, 'layer') : this.required(layer, 'layer');
      const declared = layerCompression(layer.mediaType);
      if (file && declared !== undefined) checkedLayer(file, diffIDs?.[i], `${this.what}: layer ${layer.digest}`, declared);
    });
  }
}

export function ociArchiveImages(tree: ArchiveTree, indexJson: Buffer, what: string): ArchiveImages {
  const parsed = parseManifest(indexJson, undefined, 'index.json');
  if (parsed.kind !== 'index') throw new BerthError('ERR_MANIFEST_INVALID', 'index.json: not an image index');
  const walker = new OciWalker(tree, what);
  const images: ArchiveImage[] = [];
  for (const desc of parsed.index.manifests) {
    if (!isManifestMediaType(desc.mediaType) && !isIndexMediaType(desc.mediaType)) continue;
    walker.visit(desc);
    images.push({ descriptor: desc, ...ociNames(desc) });
  }
  return { format: 'oci', images, manifests: walker.manifests };
}
