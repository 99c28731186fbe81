// Writes a `docker save` archive as Docker 25+ does (moby image/tarexport save.go): an OCI layout
// (blobs/sha256/…, index.json, oci-layout) plus manifest.json and repositories for older loaders.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import { BerthError } from '../errors.js';
import { DigestingStream, digestHex, sha256, verifyDigest, type Digest } from '../digest.js';
import { goJson } from '../config.js';
import { MediaType, isConfigMediaType, layerCompression } from '../media-types.js';
import { CONTAINERD_IMAGE_NAME_ANNOTATION, REF_NAME_ANNOTATION, parseManifest, type Descriptor } from '../manifest.js';
import { familiarName, familiarString, parseNormalizedReference, referenceString, type Reference } from '../reference.js';
import type { ImageDestination, LocationCapabilities, ManifestBytes, PutOptions } from '../contracts/location.js';

export interface DockerArchiveOptions {
  /** The save time, stamped where Docker stamps it (index.json); now by default. */
  now?: () => Date;
}

interface SavedImage {
  manifest: Descriptor;
  config: Digest;
  layers: Digest[];
  refs: Reference[];
}

const EPOCH = new Date(0);
const DIR_MODE = 0o755;
const FILE_MODE = 0o644;
/** Configs are small; read them whole to learn the `created` time Docker stamps on blobs. */
const CONFIG_MAX = 8 * 1024 * 1024;

function createdOf(config: Buffer): Date | undefined {
  try {
    const created = (JSON.parse(config.toString('utf8')) as { created?: unknown }).created;
    const t = typeof created === 'string' ? new Date(created) : undefined;
    return t && !Number.isNaN(t.getTime()) ? t : undefined;
  } catch {
    return undefined;
  }
}

async function readSmall(data: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of data) {
    length += (chunk as Buffer).length;
    if (length > limit) throw new BerthError('ERR_CONFIG_INVALID', `${what}: larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class DockerArchiveDestination implements ImageDestination {
  readonly description = 'docker-archive';
  readonly capabilities: LocationCapabilities = {
    sequential: true,
    // docker save writes uncompressed layers; their digest is the diffID manifest.json points at.
    layerMediaTypes: [MediaType.OciLayer, MediaType.DockerLayer],
    manifestMediaTypes: [MediaType.OciManifest, MediaType.DockerManifest],
    adopt: false,
    mount: false,
    resume: false,
  };
  private readonly pack: Pack = tarPack();
  private readonly written = new Set<Digest>();
  private readonly images: SavedImage[] = [];
  private readonly piped: Promise<void>;
  private failure: unknown;
  private queue: Promise<unknown> = Promise.resolve();
  private dirsWritten = false;
  /** Docker stamps a layer with its image's creation time; the last config seen stands for it. */
  private lastCreated: Date | undefined;

  constructor(private readonly output: Writable, private readonly options: DockerArchiveOptions = {}) {
    this.pack.on('error', () => {});
    this.piped = pipeline(this.pack as unknown as Readable, output);
    this.piped.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    return this.written.has(desc.digest);
  }

  putBlob(desc: Descriptor, data: Readable, options: PutOptions = {}): Promise<void> {
    return this.serial(() => this.writeBlob(desc, data, options));
  }

  putManifest(manifest: ManifestBytes, names: string[]): Promise<void> {
    return this.serial(() => this.recordManifest(manifest, names));
  }

  async commit(): Promise<void> {
    await this.serial(async () => {
      await this.ensureDirs();
      // The trailing files in the lexical order of Docker's directory walk.
      await this.entry('index.json', Buffer.from(goJson(this.indexJson())), this.options.now?.() ?? new Date());
      await this.entry('manifest.json', Buffer.from(`${goJson(this.manifestJson())}\n`), EPOCH);
      await this.entry('oci-layout', Buffer.from('{"imageLayoutVersion": "1.0.0"}'), EPOCH);
      const repositories = this.repositories();
      if (repositories !== '{}') await this.entry('repositories', Buffer.from(`${repositories}\n`), EPOCH);
      this.pack.finalize();
      await this.piped;
    });
  }

  async abort(): Promise<void> {
    this.failure ??= new BerthError('ERR_ABORTED', 'the archive was abandoned');
    this.pack.destroy();
    this.output.destroy();
    await this.piped.catch(() => {});
  }

  /** One tar entry at a time, and nothing after a failure. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return job();
    });
    this.queue = run.catch(() => {});
    return run.catch((err: unknown) => {
      this.fail(err);
      throw err;
    });
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.pack.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  private async writeBlob(desc: Descriptor, data: Readable, options: PutOptions): Promise<void> {
    if (this.written.has(desc.digest)) {
      data.resume();
      return;
    }
    if (!desc.digest.startsWith('sha256:')) throw new BerthError('ERR_UNSUPPORTED', `docker save archives hold sha256 blobs only, not ${desc.digest}`);
    await this.ensureDirs();
    const name = `blobs/sha256/${digestHex(desc.digest)}`;
    if (options.onProgress) data.on('data', (c: Buffer) => options.onProgress!(c.length));
    if (isConfigMediaType(desc.mediaType)) {
      const bytes = await readSmall(data, CONFIG_MAX, `config ${desc.digest}`);
      verifyDigest(`config ${desc.digest}`, desc.digest, sha256(bytes), desc.size, bytes.length);
      this.lastCreated = createdOf(bytes) ?? this.lastCreated;
      await this.entry(name, bytes, createdOf(bytes) ?? EPOCH);
    } else {
      const hashed = new DigestingStream();
      const sink = this.pack.entry({ name, size: desc.size, mode: FILE_MODE, mtime: this.lastCreated ?? EPOCH, type: 'file' });
      const target = sink as unknown as Writable;
      const written = options.signal ? pipeline(data, hashed, target, { signal: options.signal }) : pipeline(data, hashed, target);
      await written.catch((err: unknown) => {
        throw (err as Error).message === 'Size mismatch'
          ? new BerthError('ERR_SIZE_MISMATCH', `blob ${desc.digest}: size mismatch: expected ${desc.size} bytes, got ${hashed.bytes}`)
          : err;
      });
      // The bytes are in the tar already: a mismatch fails the whole archive (serial() destroys it).
      verifyDigest(`blob ${desc.digest}`, desc.digest, hashed.digest(), desc.size, hashed.bytes);
    }
    this.written.add(desc.digest);
  }

  private async recordManifest(m: ManifestBytes, names: string[]): Promise<void> {
    const parsed = parseManifest(m.bytes, m.mediaType, `manifest ${m.digest}`);
    if (parsed.kind !== 'manifest') throw new BerthError('ERR_UNSUPPORTED', 'docker save archives hold single-platform images; pick a platform from the index');
    const man = parsed.manifest;
    for (const d of [man.config, ...man.layers]) {
      if (!this.written.has(d.digest)) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${d.digest} of manifest ${m.digest} was not written to the archive`);
    }
    for (const l of man.layers) {
      if (layerCompression(l.mediaType) !== 'none') throw new BerthError('ERR_UNSUPPORTED', `docker save archives hold uncompressed layers, not ${l.mediaType}`);
    }
    if (!this.written.has(m.digest)) {
      await this.entry(`blobs/sha256/${digestHex(m.digest)}`, m.bytes, EPOCH);
      this.written.add(m.digest);
    }
    // tarexport keeps tagged names only (a digest reference adds nothing to RepoTags).
    const refs = names.map((n) => parseNormalizedReference(n)).filter((r) => r.tag !== undefined && r.digest === undefined);
    const same = this.images.find((i) => i.manifest.digest === m.digest);
    const image = same ?? { manifest: { mediaType: parsed.mediaType, digest: m.digest, size: m.bytes.length }, config: man.config.digest, layers: man.layers.map((l) => l.digest), refs: [] };
    for (const r of refs) if (!image.refs.some((x) => referenceString(x) === referenceString(r))) image.refs.push(r);
    if (!same) this.images.push(image);
  }

  private async ensureDirs(): Promise<void> {
    if (this.dirsWritten) return;
    this.dirsWritten = true;
    const mtime = this.options.now?.() ?? new Date();
    await this.entry('blobs', undefined, mtime, 'directory');
    await this.entry('blobs/sha256', undefined, mtime, 'directory');
  }

  private entry(name: string, body: Buffer | undefined, mtime: Date, type: 'file' | 'directory' = 'file'): Promise<void> {
    return new Promise((resolve, reject) => {
      const header = { name, mode: type === 'directory' ? DIR_MODE : FILE_MODE, mtime, type, uid: 0, gid: 0 };
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body) this.pack.entry(header, body, cb);
      else this.pack.entry(header, cb);
    });
  }

  /** index.json: one entry per tag with containerd's name and the OCI ref name; untagged images plain. */
  private indexJson(): object {
    const manifests = this.images.flatMap((img) => img.refs.length === 0
      ? [img.manifest]
      : img.refs.map((r) => ({ ...img.manifest, annotations: { [CONTAINERD_IMAGE_NAME_ANNOTATION]: referenceString(r), [REF_NAME_ANNOTATION]: r.tag! } })));
    return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  }

  /** manifest.json: tarexport's manifestItem list; Go marshals an image with no tags as `"RepoTags":null`. */
  private manifestJson(): object[] {
    return this.images.map((img) => ({
      Config: `blobs/sha256/${digestHex(img.config)}`,
      RepoTags: img.refs.length > 0 ? img.refs.map((r) => familiarString(r)) : null,
      Layers: img.layers.map((d) => `blobs/sha256/${digestHex(d)}`),
    }));
  }

  /**
   * repositories: familiar name → tag → hex of the image's top layer, keys sorted as Go's encoder
   * sorts map keys (as strings: JS objects would put a tag like "10" before "9").
   */
  private repositories(): string {
    const repos = new Map<string, Map<string, string>>();
    for (const img of this.images) {
      const top = img.layers[img.layers.length - 1];
      if (!top) continue;
      for (const r of img.refs) {
        const name = familiarName(r);
        const tags = repos.get(name) ?? new Map<string, string>();
        tags.set(r.tag!, digestHex(top));
        repos.set(name, tags);
      }
    }
    const object = (entries: [string, string][]): string => `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${goJson(k)}:${v}`).join(',')}}`;
    return object([...repos].map(([name, tags]) => [name, object([...tags].map(([t, hex]) => [t, goJson(hex)]))]));
  }
}

export function createDockerArchiveDestination(output: Writable, options: DockerArchiveOptions = {}): DockerArchiveDestination {
  return new DockerArchiveDestination(output, options);
}
