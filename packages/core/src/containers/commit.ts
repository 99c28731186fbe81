// `commit`: a container's changes become one layer on top of its image, as moby's CommitImage and
// image.NewChildImage make it: config = the container's config with --change applied, history
// `created_by` = the container's Cmd joined by spaces, author/comment from -a/-m, the legacy
// `container` and `container_config` fields, and the image as parent.
import type { Readable } from 'node:stream';
import type { ContainerConfig } from '../config.js';
import type { Digest } from '../digest.js';
import type { ContainerRecord } from '../contracts/containers.js';
import { MediaType } from '../media-types.js';
import { formatGoTimeRFC3339 } from '../format/index.js';
import type { ImageService } from '../images/image-service.js';
import { ingestLayer } from '../images/ingest-layer.js';
import { createChildImage, EMPTY_LAYER_DIFF_ID } from '../images/child-image.js';
import { referencedBlobs } from '../images/remove.js';
import { tagImage } from '../images/tag.js';
import { findImage } from '../images/lookup.js';

export interface CommitOptions {
  /** The new image's config: the container's, with `--change` instructions applied. */
  config: ContainerConfig;
  author?: string;
  comment?: string;
  /** `REPOSITORY[:TAG]` to name the image. */
  tag?: string;
  now?: Date;
}

export async function commitContainer(images: ImageService, container: ContainerRecord, diff: Readable, opts: CommitOptions): Promise<Digest> {
  const backend = images.backend;
  const { record: parent } = findImage(await images.snapshot(), container.Image);
  const parentConfig = await images.config(parent.id);
  const { blob, layer: stats } = await ingestLayer(backend, diff, { allowDevices: true, what: 'commit' });
  const layer = { digest: blob.digest, mediaType: MediaType.OciLayer, blobSize: blob.size, diffID: stats.diffID, tarSize: stats.tarSize, size: stats.size };
  const record = await createChildImage(backend, {
    parent: { record: parent, config: parentConfig },
    layer,
    config: opts.config,
    createdBy: (container.Config.Cmd ?? []).join(' '),
    created: formatGoTimeRFC3339(opts.now ?? new Date(), 'UTC'),
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.comment ? { comment: opts.comment } : {}),
    platform: parent.platform,
    containerConfig: container.Config,
    container: container.Id,
  });
  if (stats.diffID === EMPTY_LAYER_DIFF_ID) {
    // No changes: the history says empty_layer and the empty tar's blob is nobody's.
    await backend.metadata.update(async (draft) => {
      if (!referencedBlobs(draft).has(blob.digest)) await backend.content.delete(blob.digest).catch(() => {});
    });
  }
  if (opts.tag) await backend.metadata.update((draft) => void tagImage(draft, record.id, opts.tag!));
  return record.id;
}
