// openFsStore: creates or opens the local store at a root directory (an OCI image layout with
// berth's own files in berth/) and returns it as a StoreBackend.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BerthError, MediaType, type StoreBackend, type StoreFactoryOptions } from '@berth/core';
import { createFileExclusive } from './atomic-file.js';
import { ensureReserve } from './reserve.js';
import { FsContentStore } from './content-store.js';
import { storeLayout, type StoreLayout } from './layout.js';
import type { LockOptions } from './lock.js';
import { FsMetadataStore } from './metadata-store.js';
import { FsContainerStore } from './container-store.js';
import type { RecomputeLayerRecord } from './record-rebuild.js';
import { STALE_PARTIAL_MS, removeStaleTemps } from './temp-cleanup.js';
import { parseOciIndex } from './oci-index.js';

export interface FsStoreOptions extends StoreFactoryOptions {
  /** Lock timeout and staleness (defaults: give up after 30 s; a lock idle for 10 s is stale). */
  lock?: LockOptions;
  /** Computes an exact LayerRecord when a record must be rebuilt from blobs (see record-rebuild.ts). */
  recomputeLayerRecord?: RecomputeLayerRecord;
}

export interface FsStore extends StoreBackend {
  content: FsContentStore;
  metadata: FsMetadataStore;
  containers: FsContainerStore;
  readonly root: string;
}

const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: '1.0.0' });
const EMPTY_INDEX = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] });

export async function openFsStore(options: FsStoreOptions): Promise<FsStore> {
  const layout = storeLayout(resolve(options.root));
  await mkdir(join(layout.blobs, 'sha256'), { recursive: true });
  await mkdir(layout.tmp, { recursive: true });
  await removeStaleTemps(layout.tmp);
  // Interrupted downloads are worth a day; after that the image has likely moved on.
  await removeStaleTemps(layout.partial, STALE_PARTIAL_MS);
  await createFileExclusive(layout.ociLayout, OCI_LAYOUT, layout.tmp);
  await checkOciLayoutFile(layout);
  await createFileExclusive(layout.indexJson, EMPTY_INDEX, layout.tmp);
  await ensureReserve(layout.reserve);

  const content = new FsContentStore(layout);
  const metadata = new FsMetadataStore(layout, content, options);
  // Refuse an invalid index.json now; reading the records waits until a command needs them.
  parseOciIndex(await readFile(layout.indexJson, 'utf8'), layout.indexJson);

  return {
    root: layout.root,
    content,
    metadata,
    containers: new FsContainerStore(layout.berth, options.lock),
    describe: () => `${layout.root} (OCI image layout)`,
    async physicalSize() {
      let total = 0;
      for await (const blob of content.list()) total += blob.size;
      return total;
    },
  };
}

async function checkOciLayoutFile(layout: StoreLayout): Promise<void> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(layout.ociLayout, 'utf8'));
  } catch (err) {
    throw new BerthError('ERR_STORE_CORRUPT', `${layout.ociLayout} is not valid JSON: ${layout.root} is not an OCI image layout`, { cause: err });
  }
  const version = (doc as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  if (typeof version !== 'string') {
    throw new BerthError('ERR_STORE_CORRUPT', `${layout.ociLayout} has no imageLayoutVersion: ${layout.root} is not an OCI image layout`);
  }
}
