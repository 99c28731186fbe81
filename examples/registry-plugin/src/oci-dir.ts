// One repository of the dir registry: an OCI image layout (oci-layout, index.json, blobs/) whose
// index entries carry the tag as `org.opencontainers.image.ref.name`, exactly what
// `skopeo copy oci:DIR:TAG` and umoci read and write, so the directory is usable without berth.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, MediaType, REF_NAME_ANNOTATION, VerifyingStream, digestHex, type Descriptor, type Digest } from '@berth/core';

const STALE_MS = 30_000;
const LOCK_TIMEOUT_MS = 10_000;

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export class OciDir {
  constructor(readonly dir: string, private readonly name: string) {}

  blobPath(digest: Digest): string {
    const [algorithm] = digest.split(':');
    return join(this.dir, 'blobs', algorithm!, digestHex(digest));
  }

  async exists(): Promise<boolean> {
    return (await stat(join(this.dir, 'index.json')).catch(() => undefined)) !== undefined;
  }

  async index(): Promise<IndexJson> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'index.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BerthError('ERR_MANIFEST_UNKNOWN', `repository ${this.name} not found`);
      throw err;
    }
    const index = JSON.parse(text) as IndexJson;
    if (!Array.isArray(index.manifests)) throw new BerthError('ERR_MANIFEST_INVALID', `${join(this.dir, 'index.json')} has no manifests list`);
    return index;
  }

  async tags(): Promise<string[]> {
    return (await this.index()).manifests.map((d) => d.annotations?.[REF_NAME_ANNOTATION]).filter((t): t is string => t !== undefined);
  }

  /** The index entry for a tag, or undefined. */
  async tagged(tag: string): Promise<Descriptor | undefined> {
    return (await this.index()).manifests.find((d) => d.annotations?.[REF_NAME_ANNOTATION] === tag);
  }

  async hasBlob(desc: Descriptor): Promise<boolean> {
    const st = await stat(this.blobPath(desc.digest)).catch(() => undefined);
    return st !== undefined && st.isFile() && st.size === desc.size;
  }

  /** A blob's bytes, verified against the descriptor as they stream. */
  async openBlob(desc: Descriptor): Promise<Readable> {
    if (!(await stat(this.blobPath(desc.digest)).catch(() => undefined))) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${desc.digest} not found in ${this.name}`);
    const verify = new VerifyingStream(desc.digest, desc.size, `blob ${desc.digest} in ${this.name}`);
    pipeline(createReadStream(this.blobPath(desc.digest)), verify).catch(() => {
      /* the error reaches the reader through `verify` */
    });
    return verify;
  }

  /**
   * Stores a blob: written to a temp file while hashed, renamed into place only when the digest
   * and size match, so no reader ever sees a wrong or partial blob.
   */
  async putBlob(desc: Descriptor, data: Readable, onProgress?: (bytes: number) => void): Promise<void> {
    await this.ensureLayout();
    const tmp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const verify = new VerifyingStream(desc.digest, desc.size, `blob ${desc.digest}`);
    if (onProgress) verify.on('data', (c: Buffer) => onProgress(c.length));
    try {
      await pipeline(data, verify, createWriteStream(tmp, { flags: 'wx' }));
      await mkdir(join(this.dir, 'blobs', desc.digest.split(':')[0]!), { recursive: true });
      await rename(tmp, this.blobPath(desc.digest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Names `desc` by `tag` in index.json (replacing the tag's previous entry), atomically. */
  async tag(desc: Descriptor, tag: string): Promise<void> {
    await this.ensureLayout();
    // Read-modify-write of index.json: two pushes tagging at once must not lose either tag.
    await this.locked(async () => {
      const index = await this.index();
      const entry: Descriptor = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, annotations: { [REF_NAME_ANNOTATION]: tag } };
      index.manifests = [...index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== tag), entry];
      const tmp = join(this.dir, `.index-${randomBytes(8).toString('hex')}.json`);
      await writeFile(tmp, JSON.stringify(index));
      await rename(tmp, join(this.dir, 'index.json'));
    });
  }

  /**
   * A cross-process lock: mkdir is atomic, so one holder at a time; a lock older than STALE_MS is
   * a crashed holder's and is broken. (berth's own store uses proper-lockfile for the same idea;
   * the example keeps to Node and @berth/core.)
   */
  private async locked<T>(body: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, '.index.lock');
    for (let waited = 0; ; waited += 20) {
      try {
        await mkdir(lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const st = await stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > STALE_MS) await rm(lock, { recursive: true, force: true });
        else if (waited > LOCK_TIMEOUT_MS) throw new BerthError('ERR_STORE_LOCKED', `${this.name} is locked by another process (${lock})`);
        else await sleep(20);
      }
    }
    try {
      return await body();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  private async ensureLayout(): Promise<void> {
    if (await this.exists()) return;
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    // `wx`: two first pushes racing both create it; the loser keeps the winner's.
    await writeFile(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}
