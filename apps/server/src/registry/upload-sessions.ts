// Blob upload sessions on disk: each one a directory in the store's staging area holding the bytes
// received so far (`data`) and a small `state.json`, so a session survives a restart of berthd.
// The running digest lives in memory and is rebuilt from `data` when a restart lost it.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, rmdir, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Digest } from '@berth/core';
import { RegistryError } from './registry-error.js';
import { LayerSniffer } from './layer-sniffer.js';

const PREFIX = 'berthd-upload-';
// Socket chunks queue up to this much and reach the file in few large writes.
const WRITE_BUFFER = 1 << 20;
const ID_RE = /^[0-9a-f-]{36}$/;

export interface UploadState {
  id: string;
  repository: string;
  /** Bytes received and written to `data`: they outlive a kill -9; the fsync comes with the blob's adoption. */
  offset: number;
  startedAt: string;
}

/** What only this process knows of a session: the running hash and the layer inspection. */
interface LiveSession {
  hash: Hash;
  hashed: number;
  sniffer?: LayerSniffer;
  busy: boolean;
}

export class UploadSessions {
  private readonly live = new Map<string, LiveSession>();
  /** The last state saved of each session this process touched, as on disk. */
  private readonly states = new Map<string, UploadState>();

  constructor(
    private readonly stagingDir: string,
    private readonly onBytes: (n: number) => void = () => {},
  ) {}

  private dir(id: string): string {
    if (!ID_RE.test(id)) throw unknown(id);
    return join(this.stagingDir, `${PREFIX}${id}`);
  }

  dataPath(id: string): string {
    return join(this.dir(id), 'data');
  }

  async create(repository: string): Promise<UploadState> {
    const id = randomUUID();
    const dir = this.dir(id);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'data'), '');
    const state: UploadState = { id, repository, offset: 0, startedAt: new Date().toISOString() };
    await this.save(state);
    return state;
  }

  async get(id: string, repository: string): Promise<UploadState> {
    // This process wrote every state it knows: only a session begun before a restart is read back.
    let state = this.states.get(id);
    if (!state) {
      let text: string;
      try {
        text = await readFile(join(this.dir(id), 'state.json'), 'utf8');
      } catch {
        throw unknown(id);
      }
      state = JSON.parse(text) as UploadState;
    }
    if (state.repository !== repository) throw unknown(id);
    return { ...state };
  }

  /**
   * Appends a chunk at `state.offset`. The file is cut back to the offset first: bytes a crash
   * left past the acknowledged offset are not trusted. A chunk the client cut off keeps what
   * reached the disk (made durable, acknowledged in the state), so the upload status tells the
   * client where to resume instead of starting over. Returns the new state.
   */
  async append(state: UploadState, body: Readable): Promise<UploadState> {
    const live = await this.liveSession(state);
    if (live.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', 416, `upload ${state.id} is receiving another chunk`);
    live.busy = true;
    try {
      let fh: FileHandle;
      try {
        fh = await open(this.dataPath(state.id), 'r+');
      } catch (err) {
        // Removed behind our back (another process's stale-temp cleanup): the session is gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.forget(state.id);
        throw unknown(state.id);
      }
      try {
        await fh.truncate(state.offset);
      } catch (err) {
        await fh.close();
        throw err;
      }
      // The stream owns the handle from here and closes it, also on failure.
      const file = fh.createWriteStream({ start: state.offset, highWaterMark: WRITE_BUFFER });
      if (state.offset === 0 && !live.sniffer) live.sniffer = new LayerSniffer();
      const sniffer = state.offset === live.hashed ? live.sniffer : undefined;
      let received = 0;
      const onBytes = this.onBytes;
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, cb: TransformCallback) {
          received += chunk.length;
          onBytes(chunk.length);
          live.hash.update(chunk);
          live.hashed += chunk.length;
          const wait = sniffer?.write(chunk);
          if (!wait) return cb(null, chunk);
          wait.then(() => cb(null, chunk), cb);
        },
      });
      try {
        // No fsync here: a kill -9 loses nothing the kernel holds, and the blob's bytes are fsynced
        // once, when the finished upload is adopted into the store (before its 201 is sent).
        await pipeline(body, hashing, file);
      } catch (err) {
        // The hash took bytes the file may not hold: rebuild it from the file next time.
        this.live.delete(state.id);
        live.sniffer?.abandon();
        await this.keepWritten(state).catch(() => {});
        throw err;
      }
      const next = { ...state, offset: state.offset + received };
      await this.save(next);
      return next;
    } finally {
      live.busy = false;
    }
  }

  /** After a cut-off chunk: the bytes that reached `data` become part of the upload. */
  private async keepWritten(state: UploadState): Promise<void> {
    const fh = await open(this.dataPath(state.id), 'r+');
    let size: number;
    try {
      await fh.sync();
      size = (await fh.stat()).size;
    } finally {
      await fh.close();
    }
    if (size > state.offset) await this.save({ ...state, offset: size });
  }

  /** The digest of everything received, and the layer facts when the bytes were a layer. */
  async finish(state: UploadState): Promise<{ digest: Digest; sniffer?: LayerSniffer }> {
    const live = await this.liveSession(state);
    const digest = `sha256:${live.hash.copy().digest('hex')}` as Digest;
    return { digest, ...(live.sniffer ? { sniffer: live.sniffer } : {}) };
  }

  async remove(id: string): Promise<void> {
    this.forget(id);
    const dir = this.dir(id);
    // A finished upload's data was moved into the store: state.json is all that is left, and two
    // calls remove it and the directory (rm's recursive walk takes several more on the upload path).
    try {
      await unlink(join(dir, 'state.json'));
      await rmdir(dir);
    } catch {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private forget(id: string): void {
    this.live.get(id)?.sniffer?.abandon();
    this.live.delete(id);
    this.states.delete(id);
  }

  private async liveSession(state: UploadState): Promise<LiveSession> {
    const known = this.live.get(state.id);
    if (known && known.hashed === state.offset) return known;
    known?.sniffer?.abandon();
    // After a restart (or a broken chunk) the running hash is gone: hash the acknowledged bytes again.
    const hash = createHash('sha256');
    if (state.offset > 0) {
      await pipeline(createReadStream(this.dataPath(state.id), { end: state.offset - 1 }), async function* (src: AsyncIterable<Buffer>) {
        for await (const c of src) hash.update(c);
      });
    }
    const live: LiveSession = { hash, hashed: state.offset, busy: false };
    this.live.set(state.id, live);
    return live;
  }

  // Atomic within the session directory; the rename also refreshes the directory's mtime, which
  // tells store-fs's stale-temp cleanup that the session is alive.
  private async save(state: UploadState): Promise<void> {
    const dir = this.dir(state.id);
    const tmp = join(dir, 'state.json.tmp');
    await writeFile(tmp, JSON.stringify(state));
    await rename(tmp, join(dir, 'state.json'));
    this.states.set(state.id, { ...state });
  }
}

function unknown(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', 404, `upload ${id} is not known to this registry`);
}
