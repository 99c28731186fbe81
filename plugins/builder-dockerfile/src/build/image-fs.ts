// An image's filesystem as an index of entries (no file is unpacked): built by reading the layer
// tars once (whiteouts applied), then changed in memory by COPY/ADD. Paths resolve with symlinks
// followed INSIDE the image, as moby's FollowSymlinkInScope does in a chroot: nothing resolves
// to a host path, so a layer written from this index cannot write outside the rootfs.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header as Headers } from 'tar-stream';
import { BerthError, entryPath, openUncompressed } from '@berth/core';

export type FsType = 'dir' | 'file' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface FsNode {
  type: FsType;
  /** Permission bits with setuid/setgid/sticky (no file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  /** Symlink target as written, or a hard link's target path (clean, relative to the root). */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Where a regular file's bytes are on the host: a context file or a file extracted for this build. */
  hostPath?: string;
  /** A context file's `dev:ino` when it has other hard links: COPY of a directory keeps them linked. */
  inode?: string;
  /** Which layer (index in the image's layer list) holds a file's bytes, for extraction. */
  layer?: number;
  /** A file of another image (COPY --from): extracted from its layers before the layer is written. */
  extract?: ExtractRef;
}

export interface LayerOpener {
  open(): Promise<Readable>;
  /** The layer's diffID: the key of its recorded headers in a LayerIndexCache. */
  diffID?: string;
}

/** Tar headers of layers by diffID, so a layer's file list is read from its tar only once. */
export interface LayerIndexCache {
  get(diffID: string): Promise<Headers[] | undefined>;
  put(diffID: string, headers: readonly Headers[]): Promise<void>;
}

export interface ExtractRef {
  layers: readonly LayerOpener[];
  layer: number;
  path: string;
  /** Set once the bytes were extracted for this build. */
  hostPath?: string;
}

const MAX_SYMLINKS = 255;

function split(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Byte order of paths, as tar writers and Go's sort order them (not UTF-16 code units). */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

const ROOT: FsNode = { type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0), size: 0 };

export class ImageFs {
  private readonly nodes: Map<string, FsNode>;
  private readonly kids: Map<string, Set<string>>;

  /** The image's layers, bottom first: where `FsNode.layer` points. */
  layers: readonly LayerOpener[] = [];

  constructor(nodes?: Map<string, FsNode>, kids?: Map<string, Set<string>>) {
    this.nodes = nodes ?? new Map([['', ROOT]]);
    this.kids = kids ?? new Map();
  }

  clone(): ImageFs {
    const kids = new Map<string, Set<string>>();
    for (const [k, v] of this.kids) kids.set(k, new Set(v));
    const copy = new ImageFs(new Map(this.nodes), kids);
    copy.layers = this.layers;
    return copy;
  }

  /** Where the bytes of a regular file at `path` come from (for extraction), if it has any. */
  extractRef(path: string): ExtractRef | undefined {
    const node = this.nodes.get(path);
    if (!node) return undefined;
    if (node.extract) return node.extract;
    if (node.type === 'link') return this.extractRef(node.linkname!);
    if (node.type !== 'file' || node.layer === undefined || node.hostPath) return undefined;
    return { layers: this.layers, layer: node.layer, path };
  }

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  /** Names in a directory, in byte order. */
  children(dir: string): string[] {
    return [...(this.kids.get(dir) ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** Sets the entry at `path` (its parent must exist); what was there (and below it) is replaced. */
  set(path: string, node: FsNode): void {
    const old = this.nodes.get(path);
    if (old && !(old.type === 'dir' && node.type === 'dir')) this.remove(path);
    this.nodes.set(path, node);
    if (path === '') return;
    const parent = parentPath(path);
    let set = this.kids.get(parent);
    if (!set) this.kids.set(parent, (set = new Set()));
    set.add(baseName(path));
  }

  /** Deletes `path` and everything below it. */
  remove(path: string): void {
    for (const name of this.kids.get(path) ?? []) this.remove(joinPath(path, name));
    this.kids.delete(path);
    if (path === '') return;
    this.nodes.delete(path);
    this.kids.get(parentPath(path))?.delete(baseName(path));
  }

  /**
   * FollowSymlinkInScope: `path` (absolute or relative to the root) with every symlink followed
   * inside the image, the last component too unless `keepLast`. `..` never climbs above the root.
   */
  resolve(path: string, keepLast = false): string {
    let todo = split(path);
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      const node = this.nodes.get(candidate);
      if (node?.type === 'symlink' && !(keepLast && todo.length === 0)) {
        if (++links > MAX_SYMLINKS) throw new BerthError('ERR_UNSAFE_PATH', `too many links resolving ${path}`);
        if (node.linkname!.startsWith('/')) done.length = 0;
        todo = [...split(node.linkname!), ...todo];
        continue;
      }
      done.push(part);
    }
    return done.join('/');
  }

  isDir(path: string): boolean {
    return this.nodes.get(path)?.type === 'dir';
  }

  /** Applies one layer entry (OCI whiteouts included); `index` is the layer's position. */
  applyEntry(header: Headers, index: number, what: string): void {
    const path = entryPath(header.name, what);
    if (path === '') return;
    const base = baseName(path);
    if (base === '.wh..wh..opq') {
      // An opaque directory hides what lower layers had in it, not what this layer put there.
      const dir = parentPath(path);
      for (const name of this.children(dir)) this.removeLower(joinPath(dir, name), index);
      return;
    }
    if (base.startsWith('.wh.')) {
      this.remove(joinPath(parentPath(path), base.slice(4)));
      return;
    }
    this.ensureParents(parentPath(path), index);
    this.set(path, nodeFromHeader(header, index, what));
  }

  private removeLower(path: string, index: number): void {
    const node = this.nodes.get(path);
    if (node?.type === 'dir' && (node.layer ?? -1) === index) {
      for (const name of this.children(path)) this.removeLower(joinPath(path, name), index);
    } else if ((node?.layer ?? -1) !== index) this.remove(path);
  }

  private ensureParents(dir: string, index: number): void {
    if (dir === '' || this.nodes.get(dir)?.type === 'dir') return;
    this.ensureParents(parentPath(dir), index);
    this.set(dir, { ...ROOT, layer: index });
  }

  /**
   * Reads layer tars bottom first (each opened when its turn comes). With an `index`, a layer's
   * headers are read from what an earlier build recorded for its diffID, not from its tar.
   */
  static async fromLayers(layers: readonly LayerOpener[], what: string, index?: LayerIndexCache): Promise<ImageFs> {
    const fs = new ImageFs();
    fs.layers = layers;
    for (let i = 0; i < layers.length; i++) {
      const diffID = layers[i]!.diffID;
      const known = diffID && index ? await index.get(diffID) : undefined;
      if (known) {
        for (const h of known) fs.applyEntry(h, i, what);
        continue;
      }
      const seen: Headers[] = [];
      const { stream } = await openUncompressed(await layers[i]!.open());
      const ex = tarExtract();
      ex.on('entry', (header, body, next) => {
        // A failure ends the extraction, which destroys this entry too: the pipeline reports it.
        body.on('error', () => {});
        try {
          fs.applyEntry(header, i, what);
          seen.push(header);
        } catch (err) {
          body.resume();
          next(err as Error);
          return;
        }
        body.on('end', () => next());
        body.resume();
      });
      await pipeline(stream, ex);
      if (diffID && index) await index.put(diffID, seen);
    }
    return fs;
  }
}

function nodeFromHeader(h: Headers, index: number, what: string): FsNode {
  const base = { mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ?? new Date(0), layer: index };
  switch (h.type) {
    case 'directory':
      return { ...base, type: 'dir', size: 0 };
    case 'symlink':
      return { ...base, type: 'symlink', size: 0, linkname: h.linkname ?? '' };
    case 'link':
      return { ...base, type: 'link', size: 0, linkname: entryPath(h.linkname ?? '', what) };
    case 'character-device':
    case 'block-device':
      return { ...base, type: h.type === 'character-device' ? 'char' : 'block', size: 0, devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0 };
    case 'fifo':
      return { ...base, type: 'fifo', size: 0 };
    case 'file':
    case 'contiguous-file':
    case null:
    case undefined:
      return { ...base, type: 'file', size: h.size ?? 0 };
    default:
      throw new BerthError('ERR_LAYER_INVALID', `${what}: entry ${h.name} has an unsupported type ${h.type}`);
  }
}
