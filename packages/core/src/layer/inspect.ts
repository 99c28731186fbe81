// Reads an uncompressed layer tar once: its diffID (sha256 of every byte), its tar size, Docker's
// layer size, and a refusal of every entry that could escape or poison the rootfs when unpacked.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../errors.js';
import { DigestingStream, type Digest } from '../digest.js';
import { entryPath, hardlinkTarget, symlinkTarget, SymlinkGuard } from './tar-path.js';
import { TarHeaderWalker } from './tar-headers.js';

export interface LayerStats {
  /** sha256 of the uncompressed tar, exactly as given (end padding included). */
  diffID: Digest;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Docker's layer size: what the unpacked files take (see LayerDiskUsage). */
  size: number;
}

export interface InspectLayerOptions {
  /** Accept character/block devices and fifos (never the overlay whiteout device 0:0). */
  allowDevices: boolean;
  /** Names the layer in messages. */
  what: string;
}

/**
 * Docker's size of an unpacked layer (moby pkg/directory Size over the layer's diff dir): lstat
 * sizes of everything but directories, each inode once — a regular file's length, a symlink's
 * target length; hard links share their target's inode; a later entry replaces an earlier one.
 */
export class LayerDiskUsage {
  private readonly inodeAt = new Map<string, number>();
  /** Sizes by inode number; inodes are numbered from 0 as entries make them. */
  private readonly inodeSize: number[] = [];

  node(path: string, size: number): void {
    this.inodeAt.set(path, this.inodeSize.length);
    this.inodeSize.push(size);
  }

  hardlink(path: string, target: string): void {
    const inode = this.inodeAt.get(target);
    if (inode === undefined) this.inodeAt.delete(path);
    else this.inodeAt.set(path, inode);
  }

  /** A directory or device: no bytes, but it replaces whatever was at `path`. */
  empty(path: string): void {
    this.inodeAt.delete(path);
  }

  total(): number {
    const counted = new Uint8Array(this.inodeSize.length);
    let sum = 0;
    for (const inode of this.inodeAt.values()) {
      if (counted[inode] === 1) continue;
      counted[inode] = 1;
      sum += this.inodeSize[inode]!;
    }
    return sum;
  }
}

function unsafe(what: string, why: string): never {
  throw new BerthError('ERR_UNSAFE_PATH', `${what}: ${why}`);
}

/** The header fields the checks read (tar-stream's headers and TarHeaderWalker's both have them). */
export interface EntryHeader {
  name: string;
  type?: string | null;
  size?: number;
  linkname?: string | null;
  devmajor?: number | null;
  devminor?: number | null;
}

/** Checks one entry and records what it adds; throws on anything an unpacker must refuse. */
export class LayerEntryChecker {
  readonly usage = new LayerDiskUsage();
  private readonly guard = new SymlinkGuard();
  private readonly symlinkPaths = new Set<string>();

  constructor(private readonly options: InspectLayerOptions) {}

  check(header: EntryHeader): void {
    const { what } = this.options;
    const path = entryPath(header.name, what);
    if (path === '') {
      if (header.type !== 'directory') unsafe(what, `entry "${header.name}" replaces the root with a ${header.type}`);
      return;
    }
    this.guard.check(path, what);
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        this.usage.node(path, header.size ?? 0);
        break;
      case 'directory':
        this.usage.empty(path);
        break;
      case 'symlink': {
        const target = header.linkname ?? '';
        symlinkTarget(path, target, what);
        this.usage.node(path, Buffer.byteLength(target));
        break;
      }
      case 'link': {
        const target = hardlinkTarget(path, header.linkname ?? '', what);
        this.guard.check(target, what, 'hard link target');
        this.usage.hardlink(path, target);
        // A hard link to a symlink is a symlink too.
        this.guard.record(path, this.symlinkPaths.has(target));
        if (this.symlinkPaths.has(target)) this.symlinkPaths.add(path);
        else this.symlinkPaths.delete(path);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        if (header.type === 'character-device' && header.devmajor === 0 && header.devminor === 0) {
          unsafe(what, `entry "${path}" is an overlay whiteout device (0:0); OCI layers use .wh. files instead`);
        }
        if (!this.options.allowDevices) unsafe(what, `entry "${path}" is a ${header.type.replace('-', ' ')}, which is not allowed here`);
        this.usage.empty(path);
        break;
      default:
        throw new BerthError('ERR_LAYER_INVALID', `${what}: entry "${path}" has an unsupported tar type (${header.type ?? 'unknown'})`);
    }
    const isLink = header.type === 'symlink';
    this.guard.record(path, isLink);
    if (isLink) this.symlinkPaths.add(path);
    else this.symlinkPaths.delete(path);
  }
}

/** Maps tar-stream's plain parse errors to ERR_LAYER_INVALID; others (ours, I/O, abort) pass. */
export function tarFormatError(err: unknown, code: 'ERR_LAYER_INVALID' | 'ERR_ARCHIVE_INVALID', what: string): unknown {
  if (!(err instanceof Error) || err instanceof BerthError) return err;
  if ((err as NodeJS.ErrnoException).code !== undefined || err.name === 'AbortError') return err;
  const why = err.message === 'Unexpected end of data'
    ? 'unexpected EOF: the tar is truncated'
    : `not a valid tar (${err.message.replace(/\.$/, '')})`;
  return new BerthError(code, `${what}: ${why}`, { cause: err });
}

/**
 * Reads the whole tar with backpressure, never holding a file's content, and returns its stats.
 * Throws ERR_UNSAFE_PATH for a hostile entry and ERR_LAYER_INVALID for a truncated or non-tar input.
 */
export async function inspectLayer(uncompressedTar: Readable, options: InspectLayerOptions): Promise<LayerStats> {
  const hash = new DigestingStream();
  const checker = new LayerEntryChecker(options);
  // V7 headers (no ustar magic) are still tars; the header checksum tells a tar from noise.
  const walker = new TarHeaderWalker((header) => checker.check(header), { allowUnknownFormat: true });
  try {
    await pipeline(uncompressedTar, hash, walker);
  } catch (err) {
    throw tarFormatError(err, 'ERR_LAYER_INVALID', options.what);
  }
  return { diffID: hash.digest(), tarSize: hash.bytes, size: checker.usage.total() };
}
