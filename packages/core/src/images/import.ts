// `import`: a rootfs tarball (plain or compressed, from a file, URL or stdin) becomes a one-layer
// image, with the config `docker import` writes (moby daemon/images/image_import.go).
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.js';
import { sha256, type Digest } from '../digest.js';
import { configBytes, type ContainerConfig, type ImageConfig } from '../config.js';
import { MediaType } from '../media-types.js';
import { manifestBytes, type ImageManifest } from '../manifest.js';
import { hostPlatform, type Platform } from '../platform.js';
import type { StoreBackend } from '../contracts/plugin.js';
import type { LayerRecord } from '../contracts/metadata-store.js';
import { openUncompressed } from '../layer/index.js';
import { ingestLayer } from './ingest-layer.js';
import { referenceString, parseTagReference } from '../reference.js';
import { formatGoTimeRFC3339 } from '../format/index.js';
import { bufferStream } from './store-destination.js';

export interface ImportOptions {
  /** `REPOSITORY[:TAG]` to name the image. */
  tag?: string;
  /** The container config, with `--change` instructions applied (the builder plugin parses them). */
  config?: ContainerConfig;
  message?: string;
  platform?: Platform;
  /** Where the tarball came from, for the history comment (`-` for stdin, or the URL). */
  source: string;
  /** Device nodes are refused unless berth runs as root, as a rootless daemon would. */
  allowDevices?: boolean;
  signal?: AbortSignal;
  now?: Date;
}

/** The empty container config Docker writes for imported images. */
export function emptyContainerConfig(): ContainerConfig {
  return {
    Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
    Tty: false, OpenStdin: false, StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null,
    WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
  };
}

export async function importImage(backend: StoreBackend, input: Readable, opts: ImportOptions): Promise<Digest> {
  // Validate the name before reading a byte, so a bad name costs nothing.
  const name = opts.tag ? referenceString(parseTagReference(opts.tag)) : undefined;
  const config = opts.config ?? emptyContainerConfig();
  // The layer is stored uncompressed, as Docker keeps it: its blob digest is its diffID. The
  // tarball may be gzip, xz, bzip2 or zstd, as docker import reads it.
  const { stream: tar } = await openUncompressed(input, { kind: 'archive', what: opts.source === '-' ? 'import' : opts.source });
  const { blob, layer: stats } = await ingestLayer(backend, tar, {
    allowDevices: opts.allowDevices ?? process.getuid?.() === 0,
    what: 'import',
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const layer: LayerRecord = { digest: blob.digest, mediaType: MediaType.OciLayer, blobSize: blob.size, diffID: stats.diffID, tarSize: stats.tarSize, size: stats.size };
  const created = formatGoTimeRFC3339(opts.now ?? new Date(), 'UTC');
  const platform = opts.platform ?? hostPlatform();
  const comment = opts.message || `Imported from ${opts.source}`;
  const image: ImageConfig = {
    architecture: platform.architecture,
    comment,
    config,
    container_config: emptyContainerConfig(),
    created,
    history: [{ created, comment }],
    os: platform.os,
    rootfs: { type: 'layers', diff_ids: [stats.diffID] },
    ...(platform.variant ? { variant: platform.variant } : {}),
  };
  const cfgBytes = configBytes(image);
  const cfg = await backend.content.put(bufferStream(cfgBytes));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: MediaType.OciLayer, digest: layer.digest, size: layer.blobSize }],
  };
  const mBytes = manifestBytes(manifest);
  const man = await backend.content.put(bufferStream(mBytes), { digest: sha256(mBytes) });
  await backend.metadata.update(async (draft) => {
    for (const d of [blob.digest, cfg.digest, man.digest]) {
      if (!(await backend.content.stat(d))) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${d} vanished from the store during import; try again`);
    }
    draft.images.set(cfg.digest, {
      id: cfg.digest,
      manifest: { mediaType: MediaType.OciManifest, digest: man.digest, size: man.size },
      config: { mediaType: MediaType.OciConfig, digest: cfg.digest, size: cfg.size },
      platform,
      created,
      size: layer.size,
      layers: [layer],
      labels: config.Labels ?? {},
      repoDigests: [],
      ...(name ? { lastTagTime: formatGoTimeRFC3339(new Date(), 'UTC') } : {}),
    });
    if (name) draft.tags.set(name, cfg.digest);
  });
  return cfg.digest;
}
