// Writes one archive entry to a staging file while hashing it. When the entry looks like a layer
// (a tar, plain or compressed) it is inspected on the way too, so no staged file is read twice.
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Writable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { LayerCompression } from '../media-types.js';
import { inspectLayer, openUncompressed, sniffCompression, type LayerStats } from '../layer/index.js';

/** JSON entries up to this size are kept in memory for parsing (manifests, configs, index.json). */
export const JSON_IN_MEMORY_MAX = 8 * 1024 * 1024;

export interface LayerFacts {
  /** Known once the inspection opened the entry (always before `stats`). */
  compression: LayerCompression;
  stats?: LayerStats;
  /** Why the entry is not a usable layer; thrown only if something uses it as one. */
  error?: unknown;
}

export interface StagedFile {
  /** Clean path inside the archive. */
  name: string;
  /** The staging file that holds the bytes. */
  path: string;
  digest: Digest;
  size: number;
  json?: Buffer;
  /** Set when the entry is a tar or a compressed stream. */
  layer?: LayerFacts;
}

const SNIFF_BYTES = 512;

/** A tar's first block: all zeros (an empty tar) or a header whose checksum adds up. */
export function looksLikeTar(block: Buffer): boolean {
  if (block.length < SNIFF_BYTES) return false;
  let sum = 0;
  let zeros = true;
  for (let i = 0; i < SNIFF_BYTES; i++) {
    const b = block[i]!;
    if (b !== 0) zeros = false;
    sum += i >= 148 && i < 156 ? 32 : b;
  }
  if (zeros) return true;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(field) && parseInt(field, 8) === sum;
}

function looksLikeJson(head: Buffer): boolean {
  const first = head.toString('latin1').trimStart()[0];
  return first === '{' || first === '[';
}

export class EntryStager extends Writable {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  private decided = false;
  private json: Buffer[] | undefined;
  private jsonLength = 0;
  private side: PassThrough | undefined;
  private inspection: Promise<void> | undefined;
  private layer: LayerFacts | undefined;

  constructor(private readonly file: FileHandle, private readonly name: string, private readonly path: string, private readonly options: { allowDevices: boolean; what: string }) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.accept(chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finish().then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.side?.destroy();
    cb(err);
  }

  /** Valid after 'finish'. */
  result(): StagedFile {
    const out: StagedFile = { name: this.name, path: this.path, digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
    if (this.json) out.json = Buffer.concat(this.json);
    if (this.layer) out.layer = this.layer;
    return out;
  }

  private async accept(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (!this.decided) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength < SNIFF_BYTES) return;
      this.decide();
      const head = Buffer.concat(this.head);
      this.head = [];
      await this.pass(head);
      return;
    }
    await this.pass(chunk);
  }

  private async finish(): Promise<void> {
    if (!this.decided) {
      this.decide();
      const head = Buffer.concat(this.head);
      this.head = [];
      if (head.length > 0) await this.pass(head);
    }
    this.side?.end();
    await this.inspection;
  }

  private decide(): void {
    this.decided = true;
    const head = Buffer.concat(this.head);
    if (looksLikeJson(head)) this.json = [];
    const compression = sniffCompression(head);
    if (compression === 'none' && !looksLikeTar(head)) return;
    const side = new PassThrough();
    this.side = side;
    // The compression is openUncompressed's to say: it refuses what no layer may have (xz, bzip2).
    const layer: LayerFacts = { compression: 'none' };
    this.layer = layer;
    this.inspection = (async () => {
      const { stream, compression: layerCompression } = await openUncompressed(side, { what: this.options.what });
      layer.compression = layerCompression;
      layer.stats = await inspectLayer(stream, this.options);
    })().catch((err: unknown) => {
      // Not a usable layer; maybe it is not used as one. Stop feeding it.
      layer.error = err;
      side.destroy();
    });
  }

  private async pass(chunk: Buffer): Promise<void> {
    if (this.json) {
      this.jsonLength += chunk.length;
      if (this.jsonLength <= JSON_IN_MEMORY_MAX) this.json.push(chunk);
      else this.json = undefined;
    }
    await Promise.all([this.writeAll(chunk), this.feed(chunk)]);
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) offset += (await this.file.write(chunk, offset)).bytesWritten;
  }

  /** Gives the inspector the chunk at its own pace; a dead inspector is simply skipped. */
  private feed(chunk: Buffer): Promise<void> | undefined {
    const side = this.side;
    if (!side || side.destroyed || side.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        side.off('drain', done).off('close', done);
        resolve();
      };
      side.on('drain', done).on('close', done);
    });
  }
}
