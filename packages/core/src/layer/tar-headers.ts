// A tar reader that looks at headers only, for inspecting layers: tar-stream makes a stream, a
// buffer list and several callbacks for every entry, which is most of a pull's CPU on a layer of
// many small files. It follows tar-stream's header rules (ustar prefix, GNU long names, PAX
// path/linkpath/size, V7 headers, a directory's size not skipped, the same error messages), so the
// inspection sees the entries that `unpack` and `load`, which use tar-stream, will see.
import { Writable } from 'node:stream';

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

export interface TarEntryHeader {
  name: string;
  /** null for a type flag tar-stream does not know either. */
  type: TarEntryType | null;
  size: number;
  linkname: string | null;
  /** null when the field is not a number tar-stream can read either. */
  devmajor: number | null;
  devminor: number | null;
}

type LongHeaderType = 'pax-header' | 'pax-global-header' | 'gnu-long-path' | 'gnu-long-link-path';
type DecodedHeader = Omit<TarEntryHeader, 'type'> & { type: TarEntryType | LongHeaderType | null };

const BLOCK = 512;
/** tar-stream's limit for a PAX or GNU long-name record. */
const MAX_LONG_HEADER = 4 * 1024 * 1024;

const TYPES: Record<number, TarEntryType | LongHeaderType> = {
  0: 'file', 1: 'link', 2: 'symlink', 3: 'character-device', 4: 'block-device', 5: 'directory', 6: 'fifo', 7: 'contiguous-file',
  72: 'pax-header', 55: 'pax-global-header', 27: 'gnu-long-link-path', 28: 'gnu-long-path', 30: 'gnu-long-path',
};

function isLongHeader(type: DecodedHeader['type']): type is LongHeaderType {
  return type === 'pax-header' || type === 'pax-global-header' || type === 'gnu-long-path' || type === 'gnu-long-link-path';
}

/** Bytes of padding after `size` bytes of data. */
function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function text(block: Buffer, from: number, length: number): string {
  let end = from;
  while (end < from + length && block[end] !== 0) end++;
  return block.toString('utf8', from, end);
}

/** An octal field (leading spaces and NULs allowed, ends at a space), or GNU base-256. */
function octal(block: Buffer, from: number, length: number): number | null {
  const end = from + length;
  if (block[from]! & 0x80) return base256(block, from, end);
  let i = from;
  while (i < end && block[i] === 32) i++;
  let stop = i;
  while (stop < end && block[stop] !== 32) stop++;
  while (i < stop && block[i] === 0) i++;
  if (i === stop) return 0;
  // parseInt stops at the first non-octal digit (a NUL terminator), as tar-stream's does; utf8
  // as there, so that no byte turns into a space parseInt would skip.
  return parseInt(block.toString('utf8', i, stop), 8);
}

function base256(block: Buffer, from: number, end: number): number | null {
  const positive = block[from] === 0x80;
  if (!positive && block[from] !== 0xff) return null;
  let sum = 0;
  for (let i = from + 1; i < end; i++) sum = sum * 256 + (positive ? block[i]! : 0xff - block[i]!);
  return positive ? sum : -sum;
}

function checksum(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

function hasMagic(block: Buffer, sixth: number): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === sixth;
}

/** One 512-byte header; null for a block of zeros (the end-of-archive marker). */
function decodeTarHeader(block: Buffer, allowUnknownFormat: boolean): DecodedHeader | null {
  const sum = checksum(block);
  if (sum === 8 * 32) return null;
  if (sum !== octal(block, 148, 8)) throw new Error('Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?');
  const flag = block[156] === 0 ? 0 : block[156]! - 48;
  let name = text(block, 0, 100);
  if (hasMagic(block, 0)) {
    if (block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
  } else if (!(hasMagic(block, 0x20) && block[263] === 0x20 && block[264] === 0) && !allowUnknownFormat) {
    throw new Error('Invalid tar header: unknown format.');
  }
  return {
    name,
    type: TYPES[flag] ?? null,
    // tar-stream lets an unreadable size through as null, which then skips nothing.
    size: octal(block, 124, 12) ?? 0,
    linkname: block[157] === 0 ? null : text(block, 157, 100),
    devmajor: octal(block, 329, 8),
    devminor: octal(block, 337, 8),
  };
}

/** PAX records (`<len> <key>=<value>\n`), read as tar-stream reads them. */
function decodePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  while (buf.length > 0) {
    let i = 0;
    while (i < buf.length && buf[i] !== 32) i++;
    const len = parseInt(buf.toString('utf8', 0, i), 10);
    if (!len) return out;
    const record = buf.toString('utf8', i + 1, len - 1);
    const eq = record.indexOf('=');
    if (eq === -1) return out;
    out[record.slice(0, eq)] = record.slice(eq + 1);
    buf = buf.subarray(len);
  }
  return out;
}

/**
 * A Writable that calls `onEntry` for every entry of the tar written to it and skips the data.
 * An `onEntry` that throws fails the stream with that error. A tar cut short fails with
 * tar-stream's "Unexpected end of data".
 */
export class TarHeaderWalker extends Writable {
  /** Data (and padding) of the current entry still to skip. */
  private skip = 0;
  private readonly header = Buffer.allocUnsafe(BLOCK);
  private headerFill = 0;
  private long: { type: LongHeaderType; data: Buffer; fill: number; padding: number } | undefined;
  private pax: Record<string, string> | undefined;
  private paxGlobal: Record<string, string> | undefined;
  private gnuLongPath: string | undefined;
  private gnuLongLinkPath: string | undefined;

  constructor(private readonly onEntry: (header: TarEntryHeader) => void, private readonly options: { allowUnknownFormat: boolean }) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.walk(chunk);
    } catch (err) {
      return cb(err as Error);
    }
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    cb(this.skip > 0 || this.headerFill > 0 || this.long ? new Error('Unexpected end of data') : null);
  }

  private walk(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
      } else if (this.long) {
        const long = this.long;
        const n = Math.min(long.data.length - long.fill, chunk.length - at);
        chunk.copy(long.data, long.fill, at, at + n);
        long.fill += n;
        at += n;
        if (long.fill === long.data.length) {
          this.long = undefined;
          this.skip = long.padding;
          this.readLongHeader(long.type, long.data);
        }
      } else if (this.headerFill === 0 && chunk.length - at >= BLOCK) {
        this.readHeader(chunk.subarray(at, at + BLOCK));
        at += BLOCK;
      } else {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + n);
        this.headerFill += n;
        at += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.readHeader(this.header);
        }
      }
    }
  }

  private readHeader(block: Buffer): void {
    const h = decodeTarHeader(block, this.options.allowUnknownFormat);
    if (h === null) return;
    if (isLongHeader(h.type)) {
      if (h.size > MAX_LONG_HEADER) throw new Error('Header exceeds max size');
      // An empty one is ignored, as tar-stream ignores it.
      if (h.size > 0) this.long = { type: h.type, data: Buffer.allocUnsafe(h.size), fill: 0, padding: padding(h.size) };
      return;
    }
    const entry = h as TarEntryHeader;
    if (this.gnuLongPath) entry.name = this.gnuLongPath;
    if (this.gnuLongLinkPath) entry.linkname = this.gnuLongLinkPath;
    this.gnuLongPath = this.gnuLongLinkPath = undefined;
    if (this.pax) {
      if (this.pax.path) entry.name = this.pax.path;
      if (this.pax.linkpath) entry.linkname = this.pax.linkpath;
      if (this.pax.size) entry.size = parseInt(this.pax.size, 10);
      this.pax = undefined;
    }
    if (!(entry.size >= 0)) throw new Error('Invalid header');
    this.onEntry(entry);
    // Like tar-stream, a directory's size is not skipped: whatever follows is read as a header.
    if (entry.type !== 'directory') this.skip = entry.size + padding(entry.size);
  }

  private readLongHeader(type: LongHeaderType, data: Buffer): void {
    switch (type) {
      case 'gnu-long-path':
        this.gnuLongPath = text(data, 0, data.length);
        break;
      case 'gnu-long-link-path':
        this.gnuLongLinkPath = text(data, 0, data.length);
        break;
      case 'pax-global-header':
        this.paxGlobal = decodePax(data);
        break;
      case 'pax-header':
        this.pax = { ...this.paxGlobal, ...decodePax(data) };
        break;
    }
  }
}
