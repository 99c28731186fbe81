// Recognises a layer's (or archive's) compression by its magic bytes and hands back the tar stream,
// turning zlib's raw errors into one-line BerthErrors. zstd (tool-decompress.ts) is read in layers
// and archives; xz and bzip2 only in archives, as an image has no media type for them.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { BerthError, type ErrorCode } from '../errors.js';
import type { LayerCompression } from '../media-types.js';
import { ZlibFeed } from './zlib-feed.js';
import { decompressWithTool } from './tool-decompress.js';

// Output pieces of 1 MiB: a fourth of the thread-pool round trips and callbacks of 256 KiB.
const GUNZIP_CHUNK = 1 << 20;

export type SniffedCompression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz';

export interface UncompressedStream {
  stream: Readable;
  /** A layer's: the compressions an image manifest has a media type for. */
  compression: LayerCompression;
}

export interface UncompressedArchive {
  stream: Readable;
  compression: SniffedCompression;
}

export interface OpenUncompressedOptions {
  /** What the bytes are, for messages ("layer sha256:…", "archive x.tar"). */
  what?: string;
  /** 'layer' (default) reports ERR_LAYER_INVALID, 'archive' reports ERR_ARCHIVE_INVALID. */
  kind?: 'layer' | 'archive';
}

/** The compression announced by the first bytes (6 are enough for every format we know). */
export function sniffCompression(head: Uint8Array): SniffedCompression {
  const at = (i: number): number | undefined => head[i];
  if (at(0) === 0x1f && at(1) === 0x8b) return 'gzip';
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd) return 'zstd';
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68) return 'bzip2';
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a && at(5) === 0x00) return 'xz';
  return 'none';
}

/**
 * Reads at least `n` bytes (fewer at end of stream) without consuming them. Returns the stream to
 * read from next: the same one with the bytes put back, or a fresh one when the input had ended.
 */
export async function peekBytes(stream: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        stream.off('readable', ok).off('end', ok).off('close', ok).off('error', done);
        if (err) reject(err);
        else resolve();
      };
      const ok = (): void => done();
      stream.on('readable', ok).on('end', ok).on('close', ok).on('error', done);
    });
  }
  const head = Buffer.concat(chunks);
  if (stream.readableEnded || stream.destroyed) return { head, stream: Readable.from(head.length > 0 ? [head] : []) };
  if (head.length > 0) stream.unshift(head);
  return { head, stream };
}

/** A pass-through whose errors are translated once, as it is destroyed. */
class TranslatingPassThrough extends PassThrough {
  constructor(private readonly translate: (err: Error) => Error) {
    super();
  }
  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    cb(err ? this.translate(err) : null);
  }
}

function gzipError(err: Error, code: ErrorCode, what: string): Error {
  const zcode = (err as NodeJS.ErrnoException).code;
  if (typeof zcode !== 'string' || !zcode.startsWith('Z_')) return err;
  // zlib says "unexpected end of file" (Z_BUF_ERROR) when the gzip stream stops early.
  const why = zcode === 'Z_BUF_ERROR' ? 'unexpected EOF: the gzip stream is truncated' : `corrupt gzip stream (${err.message})`;
  return new BerthError(code, `${what}: ${why}`, { cause: err });
}

/**
 * Sniffs the compression and returns the uncompressed tar stream. An archive may be gzip, xz, bzip2
 * or zstd, as `docker load` reads it; a layer gzip or zstd.
 */
export async function openUncompressed(input: Readable, options: OpenUncompressedOptions & { kind: 'archive' }): Promise<UncompressedArchive>;
export async function openUncompressed(input: Readable, options?: OpenUncompressedOptions & { kind?: 'layer' }): Promise<UncompressedStream>;
export async function openUncompressed(input: Readable, options: OpenUncompressedOptions = {}): Promise<UncompressedArchive> {
  const kind = options.kind ?? 'layer';
  const what = options.what ?? kind;
  const code: ErrorCode = kind === 'archive' ? 'ERR_ARCHIVE_INVALID' : 'ERR_LAYER_INVALID';
  const { head, stream } = await peekBytes(input, 6);
  const compression = sniffCompression(head);
  if (compression === 'none') return { stream, compression };
  if (compression !== 'gzip') {
    // OCI has a media type for zstd layers; xz and bzip2 come only as whole archives.
    if (kind === 'archive' || compression === 'zstd') return { stream: decompressWithTool(stream, compression, what, code), compression };
    throw new BerthError('ERR_UNSUPPORTED', `${compression}-compressed ${kind}s are not supported`);
  }
  const out = new TranslatingPassThrough((err) => gzipError(err, code, what));
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK, highWaterMark: 1 << 20 } as ZlibOptions);
  const feed = new ZlibFeed(gunzip);
  // A failure travels both ways: from the input it stops zlib and reaches `out` (translated);
  // from zlib or from the reader of `out` it stops the input.
  pipeline(stream, feed).catch((err: Error) => gunzip.destroy(err));
  pipeline(gunzip, out).catch((err: Error) => feed.destroy(err));
  return { stream: out, compression };
}
