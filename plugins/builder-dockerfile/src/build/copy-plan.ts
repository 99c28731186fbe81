// COPY and ADD as the classic builder does them (moby builder/dockerfile/copy.go): sources are
// resolved and hashed first (the cache key), then applied to the image's filesystem index. The
// destination is resolved against the IMAGE's filesystem with symlinks followed inside it, so no
// symlink of the image or of the context can send a write outside the rootfs.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { BerthError, entryPath, openUncompressed, pathMatch } from '@berth/core';
import { baseName, byteOrder, joinPath, parentPath, type FsNode, type ImageFs } from './image-fs.js';
import { ImageSourceFs, type SourceFs } from './source-fs.js';

export interface Identity {
  uid: number;
  gid: number;
}

export interface CopyInfo {
  /** The source as named (after wildcard expansion): its base name names the copy. */
  origPath: string;
  /** The resolved source path inside its filesystem. */
  path: string;
  node: FsNode;
  fs: SourceFs;
  hash: string;
  /** ADD: a local file that is a tar archive is extracted instead of copied. */
  decompress: boolean;
}

function copyFailed(cmd: string, msg: string): BerthError {
  return new BerthError('ERR_BUILD', `${cmd} failed: ${msg}`);
}

const containsWildcards = (p: string): boolean => {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
};

/** Trims what docker trims from a source path (a leading `/` or `./`). */
function cleanSource(p: string): string {
  let s = p.replace(/^\/+/, '');
  if (s.startsWith('./')) s = s.slice(2);
  return s;
}

async function infoFor(fs: SourceFs, origPath: string, cmd: string, decompress: boolean): Promise<CopyInfo> {
  const path = await fs.resolve(origPath);
  const node = await fs.lstat(path);
  if (!node) throw copyFailed(cmd, `file not found in build context or excluded by .dockerignore: stat ${origPath}: file does not exist`);
  return { origPath, path, node, fs, hash: await fs.hash(path, node), decompress: decompress && node.type === 'file' };
}

async function walkAll(fs: SourceFs, dir: string, visit: (rel: string) => Promise<void>): Promise<void> {
  for (const name of await fs.children(dir)) {
    const rel = joinPath(dir, name);
    await visit(rel);
    if ((await fs.lstat(rel))?.type === 'dir') await walkAll(fs, rel, visit);
  }
}

/** Resolves and hashes the sources of one COPY/ADD (wildcards expanded as filepath.Match does). */
export async function collectInfos(fs: SourceFs, sources: readonly string[], cmd: string, decompress: boolean): Promise<CopyInfo[]> {
  const infos: CopyInfo[] = [];
  for (const raw of sources) {
    const orig = cleanSource(raw);
    if (containsWildcards(orig)) {
      await walkAll(fs, '', async (rel) => {
        if (pathMatch(orig, rel)) infos.push(await infoFor(fs, rel, cmd, decompress));
      });
      continue;
    }
    infos.push(await infoFor(fs, orig, cmd, decompress));
  }
  if (infos.length === 0) throw copyFailed(cmd, 'no source files were specified');
  return infos;
}

/** The `file:…`, `dir:…` or `multi:…` hash docker writes in the history line. */
export function sourcesHash(infos: readonly { hash: string }[]): string {
  if (infos.length === 1) return infos[0]!.hash;
  return `multi:${createHash('sha256').update(infos.map((i) => i.hash).join(',')).digest('hex')}`;
}

export interface ApplyOptions {
  cmd: 'COPY' | 'ADD';
  /** Absolute destination, trailing slash kept. */
  dest: string;
  /** --chown: owner of what is copied and of directories it creates; root otherwise. */
  identity: Identity;
  /** --chmod (BuildKit semantics: every copied file and directory). */
  chmod?: number;
  now: Date;
  tmpDir: string;
}

let unpacked = 0;

/** Applies the copy to `fs`; returns the paths it wrote. */
export async function applyCopy(fs: ImageFs, infos: readonly CopyInfo[], opts: ApplyOptions): Promise<Set<string>> {
  if (infos.length > 1 && !opts.dest.endsWith('/')) {
    throw new BerthError('ERR_BUILD', `When using ${opts.cmd} with more than one source file, the destination must be a directory and end with a /`);
  }
  const changed = new Set<string>();
  const root: Identity = { uid: 0, gid: 0 };
  const dirNode = (owner: Identity): FsNode => ({ type: 'dir', mode: 0o755, uid: owner.uid, gid: owner.gid, mtime: opts.now, size: 0 });

  // idtools.MkdirAllAndChownNew: missing directories are made 0755 and owned by `owner`.
  const mkdirAll = (dir: string, owner: Identity): void => {
    let cur = '';
    for (const part of dir.split('/').filter((p) => p !== '')) {
      const next = fs.resolve(joinPath(cur, part));
      const node = fs.get(next);
      if (!node) {
        fs.set(next, dirNode(owner));
        changed.add(next);
      } else if (node.type !== 'dir') {
        throw new BerthError('ERR_BUILD', `failed to copy files: mkdir /${next}: not a directory`);
      }
      cur = next;
    }
  };

  // The classic builder chowns every copied file (to root without --chown), and chown(2) clears
  // setuid, and setgid on group-executable files: docker's COPY loses those bits, and so does berth's.
  const chownedMode = (n: FsNode): number => {
    if (n.type !== 'file') return n.mode;
    let m = n.mode & ~0o4000;
    if (m & 0o010) m &= ~0o2000;
    return m;
  };
  const owned = (n: FsNode): FsNode => ({ ...n, uid: opts.identity.uid, gid: opts.identity.gid, mode: opts.chmod ?? chownedMode(n) });

  // An entry below a directory being written: its parents resolve inside the image; what sits at
  // the name itself is replaced (a directory over a directory merges), as tar extraction does.
  const put = (path: string, node: FsNode): string | undefined => {
    const parent = fs.resolve(parentPath(path));
    mkdirAll(parent, root);
    const at = joinPath(parent, baseName(path));
    if (at === '') return undefined;
    fs.set(at, node);
    changed.add(at);
    return at;
  };

  for (const info of infos) {
    const src = info.node;
    if (src.type === 'dir') {
      const dest = fs.resolve(opts.dest);
      const existed = fs.get(dest);
      if (existed && existed.type !== 'dir') throw new BerthError('ERR_BUILD', `failed to copy files: /${dest} is not a directory`);
      if (!existed) {
        mkdirAll(dest, root);
        // fixPermissions chowns the destination itself only when the copy created it.
        if (dest !== '') fs.set(dest, { ...fs.get(dest)!, uid: opts.identity.uid, gid: opts.identity.gid, ...(opts.chmod !== undefined ? { mode: opts.chmod } : {}) });
      }
      // Files of this directory that are hard links of each other (docker's tar links them too).
      const byInode = new Map<string, string[]>();
      const copyTree = async (from: string, to: string): Promise<void> => {
        for (const name of await info.fs.children(from)) {
          const child = await info.fs.lstat(joinPath(from, name));
          if (!child) continue;
          const target = joinPath(to, name);
          const at = put(target, owned(await materialize(info.fs, joinPath(from, name), child)));
          if (at !== undefined && child.inode !== undefined) byInode.set(child.inode, [...(byInode.get(child.inode) ?? []), at]);
          if (child.type === 'dir') await copyTree(joinPath(from, name), fs.resolve(target, true));
        }
      };
      await copyTree(info.path, dest);
      linkHardLinks(fs, byInode);
      continue;
    }
    if (info.decompress && (await unpackArchive(fs, info, opts, changed, mkdirAll))) continue;
    let dest = fs.resolve(opts.dest);
    if (opts.dest.endsWith('/') || fs.isDir(dest)) dest = joinPath(dest, baseName(info.origPath));
    if (dest === '') throw new BerthError('ERR_BUILD', `${opts.cmd} failed: cannot copy a file to /`);
    mkdirAll(parentPath(dest), opts.identity);
    const node = owned(await materialize(info.fs, info.path, src));
    if (fs.get(dest)?.type === 'dir') fs.remove(dest);
    fs.set(dest, node);
    changed.add(dest);
  }
  return changed;
}

/**
 * Each group of paths copied from one inode becomes one file and hard links to it: the first path
 * in the layer's (byte) order is the file, so the tar names a link's target before the link.
 */
function linkHardLinks(fs: ImageFs, byInode: ReadonlyMap<string, string[]>): void {
  for (const [inode, paths] of byInode) {
    // A later entry of the same copy may have replaced one of them: only what is still that file links.
    const still = paths.filter((p) => fs.get(p)?.inode === inode).sort(byteOrder);
    const [first, ...others] = still;
    if (first === undefined) continue;
    for (const p of others) {
      const { hostPath: _bytes, inode: _inode, ...meta } = fs.get(p)!;
      fs.set(p, { ...meta, type: 'link', size: 0, linkname: first });
    }
  }
}

/** A source entry as it will be written: another image's file keeps where its bytes are. */
async function materialize(src: SourceFs, path: string, n: FsNode): Promise<FsNode> {
  if (!(src instanceof ImageSourceFs)) return n;
  const imageFs = src.fs;
  if (n.type === 'link') {
    const target = imageFs.get(n.linkname!);
    if (target) return { ...target, extract: imageFs.extractRef(n.linkname!)! };
  }
  if (n.type === 'file') {
    const ref = imageFs.extractRef(path);
    if (ref) return { ...n, extract: ref };
  }
  return n;
}

/**
 * ADD of a local tar (plain or compressed): extracted into the destination with the archive's own
 * owners and modes (no --chown), as archive.UntarPath does. False when the file is no tar.
 */
async function unpackArchive(
  fs: ImageFs,
  info: CopyInfo,
  opts: ApplyOptions,
  changed: Set<string>,
  mkdirAll: (dir: string, owner: Identity) => void,
): Promise<boolean> {
  const { createReadStream } = await import('node:fs');
  const host = info.node.hostPath;
  if (!host) return false;
  // gzip, bzip2, xz (and zstd, as moby's DecompressStream now reads it).
  const archive = { kind: 'archive', what: `ADD ${info.origPath}` } as const;
  // isArchivePath: decompress and read one tar header.
  const first = await new Promise<boolean>((resolve) => {
    void (async () => {
      try {
        const { stream } = await openUncompressed(createReadStream(host), archive);
        const ex = tarExtract();
        let done = false;
        ex.on('entry', (_h, body) => {
          done = true;
          body.resume();
          resolve(true);
          stream.destroy();
          ex.destroy();
        });
        ex.on('error', () => !done && resolve(false));
        ex.on('finish', () => !done && resolve(false));
        ex.on('close', () => !done && resolve(false));
        stream.on('error', () => !done && resolve(false));
        stream.pipe(ex);
      } catch {
        resolve(false);
      }
    })();
  });
  if (!first) return false;
  const dest = fs.resolve(opts.dest);
  mkdirAll(dest, { uid: 0, gid: 0 });
  const { stream } = await openUncompressed(createReadStream(host), archive);
  const ex = tarExtract();
  ex.on('entry', (h, body, next) => {
    // A failure ends the extraction, which destroys this entry too: the pipeline reports it.
    body.on('error', () => {});
    void (async () => {
      const rel = entryPath(h.name, `ADD ${info.origPath}`);
      if (rel === '') {
        body.resume();
        return;
      }
      const parent = fs.resolve(joinPath(dest, parentPath(rel)));
      mkdirAll(parent, { uid: 0, gid: 0 });
      const at = joinPath(parent, baseName(rel));
      const base = { mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ?? opts.now, size: 0 };
      let node: FsNode;
      if (h.type === 'directory') node = { ...base, type: 'dir' };
      else if (h.type === 'symlink') node = { ...base, type: 'symlink', linkname: h.linkname ?? '' };
      else if (h.type === 'link') node = { ...base, type: 'link', linkname: fs.resolve(joinPath(dest, entryPath(h.linkname ?? '', `ADD ${info.origPath}`)), true) };
      else if (h.type === 'file' || h.type === 'contiguous-file' || h.type == null) {
        const out = join(opts.tmpDir, `u${++unpacked}`);
        await pipeline(body, createWriteStream(out, { mode: 0o600 }));
        node = { ...base, type: 'file', size: h.size ?? 0, hostPath: out };
      } else if (h.type === 'fifo') node = { ...base, type: 'fifo' };
      else if (h.type === 'character-device' || h.type === 'block-device') {
        node = { ...base, type: h.type === 'character-device' ? 'char' : 'block', devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0 };
      } else {
        body.resume();
        return;
      }
      body.resume();
      if (node.type !== 'dir' && fs.get(at)?.type === 'dir') fs.remove(at);
      fs.set(at, node);
      changed.add(at);
    })().then(
      () => next(),
      (err: Error) => next(err),
    );
  });
  await pipeline(stream, ex);
  return true;
}

/** Heredoc sources (`COPY <<EOF /dst`): files with the given content in the build's temp dir. */
export async function heredocFile(tmpDir: string, name: string, data: string, now: Date): Promise<FsNode> {
  const out = join(tmpDir, `h${++unpacked}`);
  await writeFile(out, data);
  return { type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: now, size: Buffer.byteLength(data), hostPath: out };
}
