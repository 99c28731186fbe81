// Where store-fs keeps each thing under its root. The root is an OCI image layout;
// everything berth adds lives in `<root>/berth/`, which OCI tools ignore as an unknown file.
import { join } from 'node:path';
import { digestAlgorithm, digestHex, parseDigest, type Digest } from '@berth/core';

export interface StoreLayout {
  root: string;
  ociLayout: string;
  indexJson: string;
  blobs: string;
  berth: string;
  db: string;
  lock: string;
  tmp: string;
  /** Interrupted downloads kept for resuming (see partial-blob.ts). */
  partial: string;
  /** Space kept so that removals can commit on a full disk (see reserve.ts). */
  reserve: string;
}

export function storeLayout(root: string): StoreLayout {
  const berth = join(root, 'berth');
  return {
    root,
    ociLayout: join(root, 'oci-layout'),
    indexJson: join(root, 'index.json'),
    blobs: join(root, 'blobs'),
    berth,
    db: join(berth, 'db.json'),
    lock: join(berth, 'lock'),
    tmp: join(berth, 'tmp'),
    partial: join(berth, 'partial'),
    reserve: join(berth, 'reserve'),
  };
}

/** OCI image-layout: `blobs/<alg>/<encoded>`. The digest is re-checked so no string can escape `blobs/`. */
export function blobPath(layout: StoreLayout, digest: Digest): string {
  const d = parseDigest(digest);
  return join(layout.blobs, digestAlgorithm(d), digestHex(d));
}
