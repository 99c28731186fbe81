// In-memory snapshots for the image-service unit tests: images with given layers, tags and parents.
import { sha256, type Digest } from '../digest.js';
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';

export function layer(name: string, size = 1000): ImageRecord['layers'][number] {
  const d = sha256(`layer ${name}`);
  return { digest: d, mediaType: 'application/vnd.oci.image.layer.v1.tar', blobSize: size + 512, diffID: d, tarSize: size + 512, size };
}

export function image(name: string, opts: { layers?: string[]; created?: string; labels?: Record<string, string>; parent?: Digest; repoDigests?: string[] } = {}): ImageRecord {
  const id = sha256(`config ${name}`);
  return {
    id,
    manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(`manifest ${name}`), size: 100 },
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: 100 },
    platform: { os: 'linux', architecture: 'amd64' },
    created: opts.created ?? '2024-01-01T00:00:00Z',
    size: (opts.layers ?? [name]).length * 1000,
    layers: (opts.layers ?? [name]).map((l) => layer(l)),
    labels: opts.labels ?? {},
    repoDigests: opts.repoDigests ?? [],
    ...(opts.parent ? { parent: opts.parent } : {}),
  };
}

export function snapshot(images: ImageRecord[], tags: Record<string, ImageRecord>): StoreSnapshot {
  return {
    images: new Map(images.map((i) => [i.id, i])),
    tags: new Map(Object.entries(tags).map(([t, i]) => [t, i.id])),
  };
}
