// Manifests and tags of the registry face, over the store: a pushed image manifest becomes an
// ImageRecord plus a store tag (so `berth images` shows it); indexes and artifacts are kept as
// blobs with their tags in ArtifactTags. Reads by digest come straight from the ContentStore.
import {
  BerthError,
  MediaType,
  bufferStream,
  formatGoTimeRFC3339,
  isConfigMediaType,
  isBerthError,
  isDigest,
  parseImageConfig,
  parseManifest,
  referencedBlobs,
  releasedBlobs,
  sha256,
  type Descriptor,
  type Digest,
  type ImageRecord,
  type LayerRecord,
  type ParsedManifest,
  type StoreBackend,
  type StoreSnapshot,
} from '@berth/core';
import type { ArtifactTags, TaggedManifest } from './artifact-tags.js';
import type { LayerFacts } from './layer-facts.js';
import type { Referrers } from './referrers.js';
import { RegistryError } from './registry-error.js';
import { MAX_MANIFEST_BYTES, readBlob } from './small-blob.js';
import { ManifestCache } from './manifest-cache.js';
import { registryNameOfStoreTag, storeTag, type RepositoryName } from './repository-name.js';

export interface ManifestContent {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

export class RegistryManifests {
  private readonly cache = new ManifestCache();

  constructor(
    private readonly backend: StoreBackend,
    private readonly facts: LayerFacts,
    private readonly artifacts: ArtifactTags,
    readonly referrers: Referrers,
    private readonly onLayerRead?: (digest: Digest) => void,
  ) {}

  /** The manifest a tag or digest names in a repository; MANIFEST_UNKNOWN when there is none. */
  async get(repo: RepositoryName, reference: string): Promise<ManifestContent> {
    const digest = isDigest(reference) ? reference : await this.resolveTag(repo, reference);
    const info = digest ? await this.backend.content.stat(digest) : undefined;
    // A blob too large to be a manifest is a layer: no manifest by that digest.
    if (!digest || !info || info.size > MAX_MANIFEST_BYTES) throw manifestUnknown(repo, reference);
    const cached = this.cache.get(digest);
    if (cached) return { ...cached, digest };
    const bytes = await readBlob(this.backend.content, digest);
    let parsed: ParsedManifest;
    try {
      parsed = parseManifest(bytes);
    } catch {
      throw manifestUnknown(repo, reference); // a blob, not a manifest
    }
    this.cache.set(digest, { bytes, mediaType: parsed.mediaType });
    return { bytes, digest, mediaType: parsed.mediaType };
  }

  private async resolveTag(repo: RepositoryName, tag: string): Promise<Digest | undefined> {
    const snapshot = await this.backend.metadata.read();
    const id = snapshot.tags.get(storeTag(repo, tag));
    const image = id === undefined ? undefined : snapshot.images.get(id);
    if (image) return image.manifest.digest;
    return (await this.artifacts.read())[repo.storeRepository]?.[tag]?.digest;
  }

  /** Stores a pushed manifest under a tag or its digest; returns its digest. */
  /** `holds` (auth on): whether a blob the manifest names is this repository's to reference. */
  async put(repo: RepositoryName, reference: string, bytes: Buffer, contentType: string | undefined, holds?: (digest: Digest) => Promise<boolean>): Promise<Digest> {
    const digest = sha256(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new RegistryError('DIGEST_INVALID', 400, `manifest digest ${digest} does not match ${reference}`);
    }
    const tag = isDigest(reference) ? undefined : reference;
    const parsed = parseManifest(bytes, contentType);
    await this.checkReferencedBlobs(parsed, holds);
    // The manifest's blob is written (fsynced) while the image record is prepared; the record's
    // commit waits for it. Stored whatever becomes of the record, as before.
    const stored = this.backend.content.put(bufferStream(bytes), { digest, size: bytes.length });
    const desc: Descriptor = { mediaType: parsed.mediaType, digest, size: bytes.length };
    const committed = parsed.kind === 'manifest' && isConfigMediaType(parsed.manifest.config.mediaType) && tag !== undefined
      ? this.commitImage(repo, tag, desc, parsed.manifest.config, parsed.manifest.layers, stored).then(
          () => true,
          // Layers berth cannot read yet (zstd): still a registry's image, kept as an artifact.
          (err: unknown) => {
            if (isBerthError(err, 'ERR_UNSUPPORTED')) return false;
            throw err;
          },
        )
      : Promise.resolve(false);
    const [put, image] = await Promise.allSettled([stored, committed]);
    if (put.status === 'rejected') throw put.reason;
    if (image.status === 'rejected') throw image.reason;
    const asImage = image.value;
    if (asImage) {
      await this.artifacts.update((t) => void delete t[repo.storeRepository]?.[tag!]);
    } else if (tag !== undefined) {
      // Not an image the store can list (or an index): the tag lives beside the store's own.
      await this.untagStoreImage(repo, tag);
      await this.artifacts.update((t) => {
        (t[repo.storeRepository] ??= {})[tag] = { digest, mediaType: parsed.mediaType } satisfies TaggedManifest;
      });
    }
    const subject = parsed.kind === 'manifest' ? parsed.manifest.subject : parsed.index.subject;
    if (subject) await this.referrers.add(repo.storeRepository, subject.digest, referrerDescriptor(desc, parsed));
    return digest;
  }

  // OCI dist-spec: a manifest naming blobs the registry does not hold is refused with MANIFEST_BLOB_UNKNOWN.
  private async checkReferencedBlobs(parsed: ParsedManifest, holds?: (digest: Digest) => Promise<boolean>): Promise<void> {
    const needed = parsed.kind === 'manifest'
      ? [parsed.manifest.config, ...parsed.manifest.layers.filter((l) => !l.urls || l.urls.length === 0)]
      : parsed.index.manifests;
    for (const d of needed) {
      if (!(await this.backend.content.stat(d.digest)) || (holds && !(await holds(d.digest)))) {
        throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 400, `blob ${d.digest} named by the manifest is not in the registry`, { digest: d.digest });
      }
    }
  }

  private async commitImage(repo: RepositoryName, tag: string, manifest: Descriptor, configDesc: Descriptor, layerDescs: Descriptor[], stored: Promise<unknown>): Promise<void> {
    const config = parseImageConfig(await readBlob(this.backend.content, configDesc.digest), `config ${configDesc.digest}`);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layerDescs.length) {
      throw new BerthError('ERR_MANIFEST_INVALID', `manifest ${manifest.digest} has ${layerDescs.length} layers but its config lists ${diffIds.length} diff_ids`);
    }
    // The store's records are needed only for layers no upload here taught us (mounts, restarts).
    const before = layerDescs.every((l) => this.facts.has(l.digest)) ? undefined : await this.backend.metadata.read();
    const layers: LayerRecord[] = [];
    for (const [i, l] of layerDescs.entries()) {
      const k = await this.facts.of(this.backend.content, l.digest, before?.layers, this.onLayerRead);
      if (k.diffID !== diffIds[i]) {
        throw new BerthError('ERR_MANIFEST_INVALID', `layer ${l.digest}: uncompressed digest ${k.diffID} does not match the config's diff_id ${diffIds[i]}`);
      }
      layers.push({ digest: l.digest, mediaType: l.mediaType, blobSize: l.size, diffID: k.diffID, tarSize: k.tarSize, size: k.size });
    }
    const id = configDesc.digest;
    const name = storeTag(repo, tag);
    const repoDigest = `${repo.storeRepository}@${manifest.digest}`;
    await stored;
    await this.backend.metadata.update(async (draft) => {
      // Under the store lock no rmi can delete blobs: check once more that every one is still here.
      for (const d of [manifest, configDesc, ...layerDescs]) {
        if (!(await this.backend.content.stat(d.digest))) {
          throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 400, `blob ${d.digest} was removed from the store meanwhile; push it again`, { digest: d.digest });
        }
      }
      const prev = draft.images.get(id);
      // One image ID has one manifest in the store: the latest push names it; the older manifest
      // stays readable by digest as long as its blob is kept.
      const record: ImageRecord = {
        id,
        manifest,
        config: { mediaType: configDesc.mediaType, digest: configDesc.digest, size: configDesc.size },
        platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) },
        created: config.created ?? '',
        size: layers.reduce((n, l) => n + l.size, 0),
        layers,
        labels: config.config?.Labels ?? {},
        repoDigests: [...new Set([...(prev?.repoDigests ?? []), repoDigest])],
        ...(prev?.parent ? { parent: prev.parent } : {}),
        lastTagTime: formatGoTimeRFC3339(new Date(), 'UTC'),
      };
      draft.images.set(id, record);
      draft.tags.set(name, id);
    }, { afterCommit: (after, prior) => this.deleteReleased(prior, after) });
    for (const l of layerDescs) this.facts.forget(l.digest);
  }

  private async deleteReleased(before: StoreSnapshot, after: StoreSnapshot): Promise<void> {
    // Under the store lock. Blobs an older manifest or artifact still names are kept.
    const artifacts = await this.artifactDigests();
    for (const d of releasedBlobs(before, after)) if (!artifacts.has(d)) await this.backend.content.delete(d);
  }

  private async artifactDigests(): Promise<Set<Digest>> {
    const out = new Set<Digest>();
    for (const tags of Object.values(await this.artifacts.read())) for (const t of Object.values(tags)) out.add(t.digest);
    return out;
  }

  /** Untags `tag`; an image left with no tag leaves the store, as `berth rmi` would do. */
  private async untagStoreImage(repo: RepositoryName, tag: string): Promise<boolean> {
    const name = storeTag(repo, tag);
    const snapshot = await this.backend.metadata.read();
    if (!snapshot.tags.has(name)) return false;
    return this.backend.metadata.update((draft) => {
      const id = draft.tags.get(name);
      if (id === undefined) return false;
      draft.tags.delete(name);
      dropIfUntagged(draft, id);
      return true;
    }, { afterCommit: (after, prior) => this.deleteReleased(prior, after) });
  }

  /** DELETE of a tag (dist-spec 1.1) or of a manifest by digest with every tag naming it in the repository. */
  async delete(repo: RepositoryName, reference: string): Promise<void> {
    if (!isDigest(reference)) {
      const fromStore = await this.untagStoreImage(repo, reference);
      const fromArtifacts = await this.artifacts.update((t) => {
        const had = t[repo.storeRepository]?.[reference] !== undefined;
        delete t[repo.storeRepository]?.[reference];
        return had;
      });
      if (!fromStore && !fromArtifacts) throw manifestUnknown(repo, reference);
      return;
    }
    const removed = await this.backend.metadata.update((draft) => {
      let n = 0;
      for (const [name, id] of [...draft.tags]) {
        const image = draft.images.get(id);
        if (image?.manifest.digest !== reference || !name.startsWith(`${repo.storeRepository}:`)) continue;
        draft.tags.delete(name);
        dropIfUntagged(draft, id);
        n++;
      }
      return n;
    }, { afterCommit: (after, prior) => this.deleteReleased(prior, after) });
    const removedArtifacts = await this.artifacts.update((t) => {
      let n = 0;
      for (const [tag, m] of Object.entries(t[repo.storeRepository] ?? {})) {
        if (m.digest !== reference) continue;
        delete t[repo.storeRepository]![tag];
        n++;
      }
      return n;
    });
    await this.referrers.remove(repo.storeRepository, reference);
    if (removed + removedArtifacts === 0) {
      if (!(await this.backend.content.stat(reference))) throw manifestUnknown(repo, reference);
      // An untagged manifest (an index's child): its blob goes unless an image still uses it.
      if (!referencedBlobs(await this.backend.metadata.read()).has(reference)) await this.backend.content.delete(reference);
    }
  }

  /** Tags of a repository, sorted; undefined when the repository does not exist. */
  async tags(repo: RepositoryName): Promise<string[] | undefined> {
    const out = new Set<string>();
    for (const name of (await this.backend.metadata.read()).tags.keys()) {
      if (!name.startsWith(`${repo.storeRepository}:`)) continue;
      const tag = name.slice(repo.storeRepository.length + 1);
      if (!tag.includes('/')) out.add(tag);
    }
    for (const tag of Object.keys((await this.artifacts.read())[repo.storeRepository] ?? {})) out.add(tag);
    return out.size === 0 ? undefined : [...out].sort();
  }

  /** Every repository with at least one tag, by the name clients use (`busybox`, `team/app`). */
  async repositories(): Promise<string[]> {
    const out = new Set<string>();
    for (const name of (await this.backend.metadata.read()).tags.keys()) {
      const r = registryNameOfStoreTag(name);
      if (r) out.add(r.repository);
    }
    for (const [repo, tags] of Object.entries(await this.artifacts.read())) {
      if (Object.keys(tags).length === 0) continue;
      const r = registryNameOfStoreTag(`${repo}:x`);
      if (r) out.add(r.repository);
    }
    return [...out].sort();
  }
}

/** The descriptor the referrers API lists: artifactType (else the config's media type) and annotations. */
function referrerDescriptor(desc: Descriptor, parsed: ParsedManifest): Descriptor {
  const doc = parsed.kind === 'manifest' ? parsed.manifest : parsed.index;
  const artifactType = doc.artifactType ?? (parsed.kind === 'manifest' ? parsed.manifest.config.mediaType : undefined);
  return { ...desc, ...(artifactType ? { artifactType } : {}), ...(doc.annotations ? { annotations: doc.annotations } : {}) };
}

function dropIfUntagged(draft: StoreSnapshot, id: Digest): void {
  for (const other of draft.tags.values()) if (other === id) return;
  draft.images.delete(id);
}

function manifestUnknown(repo: RepositoryName, reference: string): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', 404, `manifest ${reference} is not in repository ${repo.name}`);
}

export const MANIFEST_MEDIA_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList];
