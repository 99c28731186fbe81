// Where COPY and ADD read from: the build context (a host directory seen through .dockerignore,
// symlinks resolved inside it, never outside) or another image's filesystem (COPY --from).
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { BerthError } from '@berth/core';
import type { IgnoreMatcher } from '../context/dockerignore.js';
import { ImageFs, byteOrder, joinPath, type FsNode } from './image-fs.js';

export interface SourceFs {
  /** The path with symlinks followed inside the source (the last component too unless `keepLast`). */
  resolve(path: string, keepLast?: boolean): Promise<string>;
  lstat(path: string): Promise<FsNode | undefined>;
  /** Names in a directory, byte order. */
  children(dir: string): Promise<string[]>;
  /** A stable identity of the content under `path` for the build cache (`file:<hex>` / `dir:<hex>`). */
  hash(path: string, node: FsNode): Promise<string>;
}


function nodeFromStats(st: Stats, hostPath: string, linkname?: string): FsNode {
  const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
  if (st.isDirectory()) return { ...base, type: 'dir' };
  if (st.isSymbolicLink()) return { ...base, type: 'symlink', linkname: linkname ?? '' };
  if (st.isFile()) return { ...base, type: 'file', size: st.size, hostPath, ...(st.nlink > 1 ? { inode: `${st.dev}:${st.ino}` } : {}) };
  if (st.isFIFO()) return { ...base, type: 'fifo' };
  // Sockets and devices in a context are not sent by docker's CLI either.
  return { ...base, type: st.isCharacterDevice() ? 'char' : 'block' };
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** One line per entry: what docker's tarsum covers (name, type, mode, link, content), not the mtime. */
function entryLine(rel: string, n: FsNode, content: string): string {
  return `${rel}\0${n.type}\0${n.mode.toString(8)}\0${n.linkname ?? ''}\0${content}\n`;
}

abstract class TreeHasher {
  abstract lstat(path: string): Promise<FsNode | undefined>;
  abstract children(dir: string): Promise<string[]>;
  protected abstract content(path: string, node: FsNode): Promise<string>;

  async hash(path: string, node: FsNode): Promise<string> {
    if (node.type !== 'dir') return `file:${createHash('sha256').update(entryLine('', node, await this.content(path, node))).digest('hex')}`;
    const h = createHash('sha256');
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const name of await this.children(dir)) {
        const child = await this.lstat(joinPath(dir, name));
        if (!child) continue;
        const r = joinPath(rel, name);
        h.update(entryLine(r, child, child.type === 'file' ? await this.content(joinPath(dir, name), child) : ''));
        if (child.type === 'dir') await walk(joinPath(dir, name), r);
      }
    };
    await walk(path, '');
    return `dir:${h.digest('hex')}`;
  }
}

/**
 * Content digests of context files from earlier builds, keyed by path and the stat fields any
 * change touches (inode, size, mtime, ctime), as git's index trusts them: a warm build does not
 * read 200 MB again to learn that nothing changed.
 */
export interface FileHashCache {
  get(key: string): string | undefined;
  set(key: string, digest: string): void;
}

/** The context directory: ignored paths do not exist, symlinks resolve inside the root. */
export class ContextFs extends TreeHasher implements SourceFs {
  private readonly statKeys = new Map<string, string>();

  constructor(readonly root: string, private readonly ignore?: IgnoreMatcher, private readonly hashes?: FileHashCache) {
    super();
  }

  private readonly keptDirs = new Map<string, Promise<boolean>>();

  private ignored(path: string): boolean {
    return path !== '' && (this.ignore?.ignores(path) ?? false);
  }

  /**
   * An ignored path is absent, except a directory holding a file an exception (`!dir/keep`)
   * re-includes: docker's CLI sends that file, so the directory exists in the context.
   */
  private async absent(path: string): Promise<boolean> {
    if (!this.ignored(path)) return false;
    if (!this.ignore?.hasExceptions) return true;
    let kept = this.keptDirs.get(path);
    if (!kept) {
      kept = (async () => {
        const names = await readdir(join(this.root, path)).catch(() => [] as string[]);
        for (const n of names) {
          const child = joinPath(path, n);
          if (!(await this.absent(child))) return true;
        }
        return false;
      })();
      this.keptDirs.set(path, kept);
    }
    return !(await kept);
  }

  private readonly nodes = new Map<string, Promise<FsNode | undefined>>();

  /** Memoised: the context does not change during a build, and each file is asked for several times. */
  lstat(path: string): Promise<FsNode | undefined> {
    let n = this.nodes.get(path);
    if (!n) this.nodes.set(path, (n = this.lstatOnce(path)));
    return n;
  }

  private async lstatOnce(path: string): Promise<FsNode | undefined> {
    if (await this.absent(path)) return undefined;
    const abs = join(this.root, path);
    try {
      const st = await lstat(abs);
      if (st.isFile()) this.statKeys.set(abs, `${abs}\u0000${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
      return nodeFromStats(st, abs, st.isSymbolicLink() ? await readlink(abs) : undefined);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  async children(dir: string): Promise<string[]> {
    const names = await readdir(join(this.root, dir));
    // All entries of a directory are stat'ed at once: the thread pool works in parallel.
    const nodes = await Promise.all(names.map((n) => this.lstat(joinPath(dir, n))));
    return names.filter((_, i) => nodes[i] !== undefined).sort(byteOrder);
  }

  // Component by component with lstat, so a symlink is only ever followed by this code, in scope.
  async resolve(path: string, keepLast = false): Promise<string> {
    let todo = path.split('/').filter((p) => p !== '' && p !== '.');
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const part = todo.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const node = await this.lstat([...done, part].join('/'));
      if (node?.type === 'symlink' && !(keepLast && todo.length === 0)) {
        if (++links > 255) throw new BerthError('ERR_UNSAFE_PATH', `too many links resolving ${path}`);
        if (node.linkname!.startsWith('/')) done.length = 0;
        todo = [...node.linkname!.split('/').filter((p) => p !== '' && p !== '.'), ...todo];
        continue;
      }
      done.push(part);
    }
    return done.join('/');
  }

  protected async content(_path: string, node: FsNode): Promise<string> {
    const key = this.statKeys.get(node.hostPath!);
    const known = key ? this.hashes?.get(key) : undefined;
    if (known) return known;
    const digest = await fileDigest(node.hostPath!);
    if (key) this.hashes?.set(key, digest);
    return digest;
  }
}

/** Another image's files (COPY --from): an index whose regular files were extracted to the host. */
export class ImageSourceFs extends TreeHasher implements SourceFs {
  /** `imageId`: the source's ID stands for its content in the cache key, so nothing is re-read on a hit. */
  constructor(readonly fs: ImageFs, private readonly imageId: string) {
    super();
  }

  async resolve(path: string, keepLast = false): Promise<string> {
    return this.fs.resolve(path, keepLast);
  }

  async lstat(path: string): Promise<FsNode | undefined> {
    return this.fs.get(path);
  }

  async children(dir: string): Promise<string[]> {
    return this.fs.children(dir);
  }

  protected async content(path: string, _node: FsNode): Promise<string> {
    return `${this.imageId}:${path}`;
  }
}
