// Location: any place an image can live (the store, a registry, a docker-archive, an OCI layout).
// Copy engine = one Location read, another written; locations stay small and declare capabilities.
import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest.js';

export interface LocationCapabilities {
  /** Blobs must be written one at a time, in the order the engine chooses (a tar being written). */
  sequential: boolean;
  /** Layer media types the destination accepts; undefined means any. */
  layerMediaTypes?: readonly string[];
  /** Manifest media types the destination accepts; undefined means any. */
  manifestMediaTypes?: readonly string[];
  /** Can take a staged local file by rename instead of a stream. */
  adopt: boolean;
  /** Can mount a blob from another repository on the same host. */
  mount: boolean;
  /**
   * Keeps the bytes of an interrupted blob write (`keptBytes`) and takes the rest from an offset
   * (`PutOptions.offset`), checking the whole blob's digest before anyone sees it.
   */
  resume: boolean;
  /** Checks every blob's digest and size before keeping it, so a source need not hash it too. */
  verifiesBlobs?: boolean;
}

export interface GetBlobOptions {
  /**
   * Start at this byte (sources that are `ranged`). Bytes from an offset cannot be checked against
   * the digest by the source: only a destination that verifies the whole blob may ask for them.
   */
  offset?: number;
  signal?: AbortSignal;
  /** false: the caller checks digest and size itself, so the source need not hash every byte again. */
  verify?: boolean;
}

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
}

/** An image a source offers: its manifest (or index) and the names it carries. */
export interface SourceImage {
  descriptor: Descriptor;
  /** Normalised references the source names it by (RepoTags in an archive). */
  names: string[];
}

export interface ImageSource {
  readonly description: string;
  /** The images this source holds (an archive: every entry; a registry: the one asked for). */
  images(): Promise<SourceImage[]>;
  getManifest(digest: Digest): Promise<ManifestBytes>;
  getBlob(desc: Descriptor, options?: GetBlobOptions): Promise<Readable>;
  /** getBlob honours `offset` cheaply (a registry answering Range requests). */
  readonly ranged?: boolean;
  /** A local file that holds the verified blob, for destinations that adopt files. */
  localBlobPath?(digest: Digest): string | undefined;
  /** What the source already knows of a layer blob, so nobody has to read it again. */
  knownLayer?(digest: Digest): KnownLayer | undefined;
  close(): Promise<void>;
}

/** Facts about a layer blob: its uncompressed digest and sizes (see LayerRecord). */
export interface KnownLayer {
  diffID: Digest;
  tarSize: number;
  size: number;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Set when the source already knows these facts of a layer it sends. */
  knownLayer?: KnownLayer;
  /** Bytes as they arrive, for progress. */
  onProgress?: (bytes: number) => void;
  /** The stream starts at this byte: the destination holds the ones before it (`keptBytes`). */
  offset?: number;
  /** A layer's expected uncompressed digest (the config's diff_id): refused before it is kept. */
  diffID?: Digest;
}

export interface ImageDestination {
  readonly description: string;
  readonly capabilities: LocationCapabilities;
  hasBlob(desc: Descriptor): Promise<boolean>;
  /** Stores a blob, verifying digest and size while it streams. */
  putBlob(desc: Descriptor, data: Readable, options?: PutOptions): Promise<void>;
  adoptBlob?(path: string, desc: Descriptor, options?: PutOptions): Promise<boolean>;
  /** Bytes of `desc` kept from an interrupted write (capability `resume`); 0 when none. */
  keptBytes?(desc: Descriptor): Promise<number>;
  /** Stores a manifest or index and names it; `names` are normalised references. */
  putManifest(manifest: ManifestBytes, names: string[]): Promise<void>;
  /**
   * Finishes the destination (writes an archive's trailer, commits the store's metadata). `source`
   * lets it fetch again a blob it skipped as present and that vanished meanwhile (a concurrent rmi).
   */
  commit(source?: ImageSource): Promise<void>;
  /**
   * Gives up: nothing half-written stays behind. `reason` is why: a destination that resumes may
   * keep, for the next copy, what an interruption (a dropped connection, Ctrl-C) cut short.
   */
  abort(reason?: unknown): Promise<void>;
}
