// Resumable blob writes: berth/partial/<alg>-<hex> holds the bytes of a download that was cut off
// (a dropped connection, Ctrl-C, kill -9), so the next pull asks only for the rest. The bytes are
// hashed again from disk on resume (a sha256 state cannot be saved) and the blob enters blobs/ only
// once the whole of it matches its digest. `<name>.lock` holds the writer's pid: one writer a blob.
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DigestingStream,
  digestAlgorithm,
  digestHex,
  fromSystemError,
  isBerthError,
  parseDigest,
  verifyDigest,
  type BlobInfo,
  type Digest,
  type ResumableBlobWrite,
} from '@berth/core';
import { fsyncDir } from './atomic-file.js';
import { DurableFileWriter } from './durable-file-writer.js';
import { blobPath, type StoreLayout } from './layout.js';
import { SizeLimit, WRITE_BUFFER } from './size-limit.js';

/** Less than this is cheaper to download again than to keep (and a hostile trickle leaves nothing). */
export const RESUME_MIN_BYTES = 1 << 20;

/** Failures that say the bytes themselves are wrong: those are never kept. */
const BAD_BYTES = new Set(['ERR_DIGEST_MISMATCH', 'ERR_SIZE_MISMATCH', 'ERR_LAYER_INVALID', 'ERR_UNSAFE_PATH', 'ERR_UNSUPPORTED']);

// Blobs this process writes now: a pid lock cannot tell two writers of one process apart.
const held = new Set<string>();

export function partialPath(layout: StoreLayout, digest: Digest): string {
  const d = parseDigest(digest);
  return join(layout.partial, `${digestAlgorithm(d)}-${digestHex(d)}`);
}

export async function openResumable(layout: StoreLayout, digest: Digest): Promise<ResumableBlobWrite | undefined> {
  const path = partialPath(layout, digest);
  const lock = `${path}.lock`;
  try {
    await mkdir(layout.partial, { recursive: true });
    if (!(await claim(lock))) return undefined;
  } catch (err) {
    throw fromSystemError(err, `writing blob ${digest}`);
  }
  const kept = await stat(path).then((st) => st.size, () => 0);
  let open = true;
  const release = async (): Promise<void> => {
    if (!open) return;
    open = false;
    held.delete(lock);
    await unlink(lock).catch(() => {});
  };
  return {
    kept,
    readKept: () => createReadStream(path, { start: 0, end: Math.max(kept - 1, 0), highWaterMark: WRITE_BUFFER }),
    release,
    async put(data, options): Promise<BlobInfo> {
      const hasher = new DigestingStream(digestAlgorithm(digest));
      let out: DurableFileWriter | undefined;
      try {
        // 'r+' from `kept` appends after the bytes we hashed again; 'w' starts the file afresh.
        out = new DurableFileWriter(path, { flags: kept > 0 ? 'r+' : 'w', start: kept, highWaterMark: WRITE_BUFFER });
        await pipeline([data, new SizeLimit(options.size, digest), hasher, new SkipBytes(kept), out], ...(options.signal ? [{ signal: options.signal }] : []));
        verifyDigest(`blob ${digest}`, digest, hasher.digest(), options.size, hasher.bytes);
        await options.beforeCommit?.();
        const target = blobPath(layout, digest);
        await mkdir(dirname(target), { recursive: true });
        await rename(path, target);
        await fsyncDir(dirname(target));
        return { digest, size: hasher.bytes };
      } catch (cause) {
        const err = fromSystemError(cause, `writing blob ${digest}`);
        // The pipeline fails before the file's last write lands: wait for it, then measure.
        if (out && !out.closed) await new Promise<void>((resolve) => out!.once('close', () => resolve()));
        const size = await stat(path).then((st) => st.size, () => 0);
        // Bad bytes are never kept, nor what a full disk cut short (this blob's or, through the
        // signal, a sibling layer's): the space goes back to the user, not to a resume.
        const drop = (isBerthError(err) && BAD_BYTES.has(err.code)) || isNoSpace(err) || isNoSpace(options.signal?.reason) || size < RESUME_MIN_BYTES;
        if (drop) await unlink(path).catch(() => {});
        throw err;
      } finally {
        await release();
      }
    },
  };
}

/**
 * Moves a whole stored blob back to berth/partial (kept = its size), under its lock so no writer
 * of that blob is racing us; false when it is too small to keep or a writer holds it.
 */
export async function keepBlobForResume(layout: StoreLayout, digest: Digest): Promise<boolean> {
  const source = blobPath(layout, digest);
  const size = await stat(source).then((st) => st.size, () => -1);
  if (size < RESUME_MIN_BYTES) return false;
  const path = partialPath(layout, digest);
  const lock = `${path}.lock`;
  await mkdir(layout.partial, { recursive: true });
  if (!(await claim(lock))) return false;
  try {
    await rename(source, path);
    await fsyncDir(layout.partial);
    return true;
  } finally {
    held.delete(lock);
    await unlink(lock).catch(() => {});
  }
}

const isNoSpace = (err: unknown): boolean => isBerthError(err, 'ERR_NO_SPACE');

/** Takes the blob's lock: a file naming our pid, taken over when its process is gone. */
async function claim(lock: string): Promise<boolean> {
  if (held.has(lock)) return false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      held.add(lock);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return false;
    await unlink(lock).catch(() => {});
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops the first `n` bytes: those are already on disk. */
class SkipBytes extends Transform {
  constructor(private left: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.left === 0) return cb(null, chunk);
    if (chunk.length <= this.left) {
      this.left -= chunk.length;
      return cb();
    }
    const rest = chunk.subarray(this.left);
    this.left = 0;
    cb(null, rest);
  }
}
