// Pruning the unpack cache: once images are removed, their unpacked layers (layers/<chainID>),
// init layers (init/<chainID>) and merged trees (merged/<chainID>) would stay on disk for ever.
// Kept: the chains the caller names (every image's, read under the store's lock) and whatever an
// existing container's snapshot stands on (a container outlives a forced rmi of its image, as in
// Docker). A directory goes by rename into tmp/ first, so no reader ever sees half of one under
// its real name; a kill mid-way leaves only tmp/ litter, which the cache's sweep removes.
import { lstat, readdir, readFile, readlink, rename, rm, unlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Digest, RuntimeCachePruneResult } from '@berth/core';
import { exists, makeTemp } from './layer-cache.js';

const CACHE_DIRS = ['layers', 'init', 'merged'] as const;
const CHAIN_NAME = /^sha256-[0-9a-f]{64}$/;

/** Deletes every cached chain directory that neither `keep` nor a container needs. */
export async function pruneCache(runtimeDir: string, keep: ReadonlySet<Digest>): Promise<RuntimeCachePruneResult> {
  const kept = new Set<string>();
  for (const chain of keep) for (const dir of CACHE_DIRS) kept.add(join(dir, chain.replace(':', '-')));
  for (const rel of await containerLowers(runtimeDir)) kept.add(rel);

  const result: RuntimeCachePruneResult = { layers: 0, bytes: 0 };
  for (const dir of CACHE_DIRS) {
    for (const name of await readdir(join(runtimeDir, dir)).catch(() => [] as string[])) {
      // Only chain directories: `scratch` and anything unknown stay.
      if (!CHAIN_NAME.test(name) || kept.has(join(dir, name))) continue;
      const path = join(runtimeDir, dir, name);
      const bytes = await treeBytes(path);
      const away = join(await makeTemp(join(runtimeDir, 'tmp'), 'prune'), name);
      try {
        await rename(path, away);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another prune took it
        throw err;
      } finally {
        await rm(join(away, '..'), { recursive: true, force: true });
      }
      result.bytes += bytes;
      if (dir === 'layers') result.layers++;
    }
  }
  await dropDanglingShortLinks(runtimeDir);
  return result;
}

/**
 * The cache directories (relative to the runtime dir) that existing containers' snapshots use:
 * overlay lowers are `init/<chain>` and `l/<short>` links to `layers/<chain>`; a copy snapshot's
 * lower is `merged/<chain>`.
 */
async function containerLowers(runtimeDir: string): Promise<string[]> {
  const out: string[] = [];
  const containers = join(runtimeDir, 'containers');
  for (const id of await readdir(containers).catch(() => [] as string[])) {
    const record = await readFile(join(containers, id, 'snapshot.json'), 'utf8').then(
      (text) => JSON.parse(text) as { lowers?: unknown },
      () => undefined,
    );
    if (!record || !Array.isArray(record.lowers)) continue; // a container being made now: its image is still there
    for (const lower of record.lowers) {
      if (typeof lower !== 'string') continue;
      const rel = relative(runtimeDir, resolve(runtimeDir, lower));
      if (!rel.startsWith('l/')) {
        out.push(rel);
        continue;
      }
      const target = await readlink(join(runtimeDir, rel)).catch(() => undefined);
      if (target !== undefined) out.push(relative(runtimeDir, resolve(runtimeDir, 'l', target)));
    }
  }
  return out;
}

/** `l/<short>` links whose layer directory is gone (remade on the next mount that needs one). */
async function dropDanglingShortLinks(runtimeDir: string): Promise<void> {
  const links = join(runtimeDir, 'l');
  for (const name of await readdir(links).catch(() => [] as string[])) {
    if (!(await exists(join(links, name)))) await unlink(join(links, name)).catch(() => {});
  }
}

/** Bytes of the regular files below `path` (what deleting it gives back, hard links aside). */
async function treeBytes(path: string): Promise<number> {
  let total = 0;
  const todo = [path];
  while (todo.length > 0) {
    const dir = todo.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) todo.push(p);
      else if (e.isFile()) total += (await lstat(p).catch(() => undefined))?.size ?? 0;
    }
  }
  return total;
}
