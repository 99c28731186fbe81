// ImageService: every image command as one method over a store backend. The CLI and the server
// both call this; neither knows how the store keeps things.
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { ImageConfig } from '../config.js';
import { parseImageConfig } from '../config.js';
import type { StoreBackend } from '../contracts/plugin.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import type { EventSink } from '../events.js';
import { findImage } from './lookup.js';
import { imageListFilters, listImages, type ImageSummary } from './list.js';
import { imageHistory, type HistoryItem } from './history.js';
import { inspectImage, type ImageInspect } from './inspect.js';
import { releasedBlobs, removeImage, type ContainerUse, type DeleteRecord } from './remove.js';
import { imagePruneFilters, pruneImages, type PruneResult } from './prune.js';
import { tagImage } from './tag.js';
import { importImage, type ImportOptions } from './import.js';
import { loadImages, saveImages, type LoadedImage } from './save-load.js';
import { readBlobText } from './store-blobs.js';
import { chainIds } from './chain-id.js';
import { pullImage, type PullOptions, type PullResult } from './pull.js';
import { pushImages, type PushOptions, type PushResult } from './push.js';
import type { RegistryAdapter } from '../contracts/registry.js';
import type { Reference } from '../reference.js';

export interface DiskUsage {
  images: number;
  /** Sum of every image's size, shared layers counted in each image (what `images` shows). */
  logicalSize: number;
  /** Bytes the store's blobs take on disk, each blob once. */
  physicalSize: number;
  /** Docker's LayersSize (`system df`): every layer stack's own size, each chain once. */
  layersSize: number;
}

export class ImageService {
  constructor(readonly backend: StoreBackend, readonly root: string, private readonly containers: () => Promise<ContainerUse[]> = async () => []) {}

  snapshot(): Promise<StoreSnapshot> {
    return this.backend.metadata.read();
  }

  async list(opts: { all?: boolean; filters?: string[]; reference?: string; sharedSize?: boolean } = {}): Promise<ImageSummary[]> {
    const filters = imageListFilters([...(opts.filters ?? []), ...(opts.reference ? [`reference=${opts.reference}`] : [])]);
    return listImages(await this.snapshot(), { all: opts.all ?? false, filters, sharedSize: opts.sharedSize ?? false });
  }

  async config(id: Digest): Promise<ImageConfig> {
    return parseImageConfig(await readBlobText(this.backend.content, id), `config ${id}`);
  }

  async inspect(name: string): Promise<ImageInspect> {
    const s = await this.snapshot();
    const found = findImage(s, name);
    return inspectImage(s, found, await this.config(found.record.id), this.root);
  }

  async history(name: string): Promise<HistoryItem[]> {
    const s = await this.snapshot();
    const found = findImage(s, name);
    return imageHistory(s, found, await this.config(found.record.id));
  }

  async tag(source: string, target: string): Promise<void> {
    await this.backend.metadata.update((draft) => void tagImage(draft, source, target));
  }

  async remove(name: string, opts: { force: boolean; noPrune: boolean }): Promise<DeleteRecord[]> {
    const containers = await this.containers();
    return this.backend.metadata.update((draft) => removeImage(draft, name, { ...opts, containers }), { afterCommit: (after, before) => this.deleteReleased(before, after), frees: true });
  }

  async prune(opts: { all: boolean; filters: string[] }): Promise<PruneResult> {
    const filters = imagePruneFilters(opts.filters);
    const containers = await this.containers();
    return this.backend.metadata.update((draft) => pruneImages(draft, { all: opts.all, filters, containers }), { afterCommit: (after, before) => this.deleteReleased(before, after), frees: true });
  }

  // Runs under the store lock after the metadata is persisted: no writer can be committing these.
  private async deleteReleased(before: StoreSnapshot, after: StoreSnapshot): Promise<void> {
    for (const d of releasedBlobs(before, after)) await this.backend.content.delete(d);
  }

  importImage(input: Readable, opts: ImportOptions): Promise<Digest> {
    return importImage(this.backend, input, opts);
  }

  async load(input: Readable, opts: { events?: EventSink; signal?: AbortSignal } = {}): Promise<LoadedImage[]> {
    const stagingDir = (await this.backend.content.stagingDir?.()) ?? (await import('node:os')).tmpdir();
    return loadImages(this.backend, input, { ...opts, stagingDir });
  }

  save(names: readonly string[], output: Writable, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return saveImages(this.backend, names, output, opts);
  }

  /** `target` names a tag or a digest; the adapter is the one that claims its host. */
  pull(adapter: RegistryAdapter, target: Reference, opts: PullOptions = {}): Promise<PullResult> {
    return pullImage(this.backend, adapter, target, opts);
  }

  /** `ref` without a tag pushes every tag of its repository. */
  push(adapter: RegistryAdapter, ref: Reference, opts: PushOptions = {}): Promise<PushResult[]> {
    return pushImages(this.backend, adapter, ref, { uploadSessions: join(this.root, 'berth', 'uploads'), ...opts });
  }

  async diskUsage(): Promise<DiskUsage> {
    const s = await this.snapshot();
    let logicalSize = 0;
    const chains = new Map<string, number>();
    for (const rec of s.images.values()) {
      logicalSize += rec.size;
      chainIds(rec.layers.map((l) => l.diffID)).forEach((c, i) => chains.set(c, rec.layers[i]!.size));
    }
    let layersSize = 0;
    for (const size of chains.values()) layersSize += size;
    return { images: s.images.size, logicalSize, physicalSize: await this.backend.physicalSize(), layersSize };
  }
}
