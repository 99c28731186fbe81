// A build context given as a tar (plain or compressed, from a file or stdin) is unpacked to a
// private directory first, as dockerd unpacks the context it receives. Entries that climb out,
// absolute names and writes through symlinks are refused; symlinks are created as links and only
// ever resolved by the builder inside the context.
import { createWriteStream } from 'node:fs';
import { link, lstat, mkdir, stat, symlink, utimes } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { SymlinkGuard, entryPath, openUncompressed, parentOf } from '@berth/core';
import type { IgnoreMatcher } from '../context/dockerignore.js';
import { walkContext } from '../context/context-walker.js';

export async function unpackContext(input: Readable, dir: string): Promise<void> {
  const what = 'build context';
  const { stream } = await openUncompressed(input, { kind: 'archive', what });
  const guard = new SymlinkGuard();
  const ex = tarExtract();
  ex.on('entry', (h, body, next) => {
    // A failure ends the extraction, which destroys this entry too: the pipeline reports it.
    body.on('error', () => {});
    void (async () => {
      const rel = entryPath(h.name, what);
      if (rel === '') return body.resume();
      guard.check(rel, what);
      const abs = join(dir, rel);
      await mkdir(join(dir, parentOf(rel)), { recursive: true });
      const mode = (h.mode ?? 0o644) & 0o7777;
      if (h.type === 'directory') {
        await mkdir(abs, { recursive: true, mode });
        body.resume();
      } else if (h.type === 'symlink') {
        await symlink(h.linkname ?? '', abs);
        body.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file' || h.type == null) {
        if (await lstat(abs).catch(() => undefined)) throw new Error(`${what}: entry ${rel} appears twice`);
        await pipeline(body, createWriteStream(abs, { mode, flags: 'wx' }));
        if (h.mtime) await utimes(abs, h.mtime, h.mtime);
      } else if (h.type === 'link') {
        // A hard link names an earlier entry of the archive: linked here too, so COPY keeps it linked.
        const target = entryPath(h.linkname ?? '', what);
        guard.check(target, what, 'hard link target');
        if (guard.isSymlink(target)) throw new Error(`${what}: hard link ${rel} points to a symlink`);
        const st = await lstat(join(dir, target)).catch(() => undefined);
        if (!st?.isFile()) throw new Error(`${what}: hard link ${rel} points to ${target}, which is no earlier file of the archive`);
        await link(join(dir, target), abs);
        body.resume();
      } else body.resume();
      guard.record(rel, h.type === 'symlink');
    })().then(
      () => next(),
      (err: Error) => next(err),
    );
  });
  await pipeline(stream, ex);
}

/**
 * Bytes of the tar docker's CLI would send for this context (what `Sending build context to
 * Docker daemon` counts): a 512-byte header per entry, data padded to 512, two end blocks. The
 * Dockerfile and .dockerignore are always sent (TrimBuildFilesFromExcludes), even when ignored.
 * (A Dockerfile from outside the context is sent differently by the CLI: not counted here.)
 */
export async function contextTarSize(dir: string, ignore?: IgnoreMatcher, dockerfile?: string): Promise<number> {
  let total = 1024;
  const entry = (name: string, size: number): number => 512 + (Buffer.byteLength(name) > 100 ? 1024 : 0) + Math.ceil(size / 512) * 512;
  // The CLI's tar sends a file's further hard links as link entries, without data.
  const linked = new Set<string>();
  for await (const e of walkContext(dir, ignore ? { ignore } : {})) {
    let size = e.type === 'file' ? e.stat.size : 0;
    if (e.type === 'file' && e.stat.nlink > 1) {
      const key = `${e.stat.dev}:${e.stat.ino}`;
      if (linked.has(key)) size = 0;
      linked.add(key);
    }
    // Go's tar writes a PAX header (two more blocks) for names over 100 bytes.
    total += entry(e.type === 'dir' ? `${e.path}/` : e.path, size);
  }
  const rel = dockerfile === undefined ? undefined : relative(dir, dockerfile);
  const always = [...(rel !== undefined && !rel.startsWith('..') ? [rel] : []), '.dockerignore'];
  for (const name of always) {
    if (!ignore?.ignores(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) total += entry(name, st.size);
  }
  return total;
}
