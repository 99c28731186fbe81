// Reads the raw bytes of `SCHILY.xattr.*` PAX records as a layer streams by. tar-stream decodes
// PAX values as UTF-8 text, which corrupts binary values (a `security.capability` with a byte
// >= 0x80); this pass-through follows the tar's block structure beside it and keeps the bytes.
import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;
const MAX_PAX = 1024 * 1024;

export class PaxXattrScanner extends Transform {
  private readonly found = new Map<number, Map<string, Buffer>>();
  /** Entries seen, counted as tar-stream emits them (PAX and GNU long-name headers excluded). */
  private entries = 0;
  private header = Buffer.alloc(0);
  private skip = 0;
  private capture: { size: number; chunks: Buffer[]; got: number } | undefined;
  private pending: { xattrs: Map<string, Buffer>; size?: number } | undefined;

  /** The raw xattrs of the `index`-th entry (0-based), forgotten once taken. */
  xattrsOf(index: number): Map<string, Buffer> | undefined {
    const x = this.found.get(index);
    this.found.delete(index);
    return x;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.scan(chunk);
    cb(null, chunk);
  }

  private scan(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        if (this.capture && this.capture.got < this.capture.size) {
          const part = chunk.subarray(off, off + Math.min(n, this.capture.size - this.capture.got));
          this.capture.chunks.push(Buffer.from(part));
          this.capture.got += part.length;
        }
        this.skip -= n;
        off += n;
        if (this.skip === 0 && this.capture) {
          this.pending = parsePax(Buffer.concat(this.capture.chunks));
          this.capture = undefined;
        }
        continue;
      }
      const take = Math.min(BLOCK - this.header.length, chunk.length - off);
      this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
      off += take;
      if (this.header.length < BLOCK) return;
      const h = this.header;
      this.header = Buffer.alloc(0);
      if (h.every((b) => b === 0)) continue;
      const type = String.fromCharCode(h[156] ?? 0);
      let size = parseSize(h.subarray(124, 136));
      if (type === 'x') {
        if (size <= MAX_PAX) this.capture = { size, chunks: [], got: 0 };
      } else if (type !== 'g' && type !== 'L' && type !== 'K') {
        if (this.pending?.size !== undefined) size = this.pending.size;
        if (this.pending && this.pending.xattrs.size > 0) this.found.set(this.entries, this.pending.xattrs);
        this.pending = undefined;
        this.entries++;
        // Only regular files carry data blocks (tar-stream reads a directory's size as none).
        if (type === '5' || type === '1' || type === '2' || type === '3' || type === '4' || type === '6') size = 0;
      }
      this.skip = Math.ceil(size / BLOCK) * BLOCK;
      if (this.skip === 0 && this.capture) {
        this.pending = parsePax(Buffer.alloc(0));
        this.capture = undefined;
      }
    }
  }
}

/** Octal, or GNU base-256 when the first byte has its high bit set. */
function parseSize(field: Buffer): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = field.toString('latin1').replace(/[\0 ].*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** `<len> <key>=<value>\n` records; the value's bytes are kept as they are. */
function parsePax(body: Buffer): { xattrs: Map<string, Buffer>; size?: number } {
  const xattrs = new Map<string, Buffer>();
  let size: number | undefined;
  let off = 0;
  while (off < body.length) {
    const space = body.indexOf(0x20, off);
    if (space < 0) break;
    const len = parseInt(body.subarray(off, space).toString('latin1'), 10);
    if (!(len > 0) || off + len > body.length) break;
    const record = body.subarray(space + 1, off + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq > 0) {
      const key = record.subarray(0, eq).toString('utf8');
      const value = record.subarray(eq + 1);
      if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), Buffer.from(value));
      else if (key === 'size') size = Number(value.toString('latin1'));
    }
    off += len;
  }
  return size === undefined ? { xattrs } : { xattrs, size };
}
