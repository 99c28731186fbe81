// Online garbage collection of the store's blobs: mark what anything could still ask for, sweep
// the rest, all under the store's metadata lock so no image commit runs meanwhile. Kept:
// - every blob an image record names (core's referencedBlobs: manifest, config, layers);
// - everything reachable from index.json (entries other tools wrote too), berthd's artifact tags
//   and referrers: manifests, indexes and the configs, layers and manifests they name;
// - every blob younger than the grace period: a push uploads its blobs before its manifest, and
//   an upload finishing now must not lose its blob before the manifest naming it arrives.
// Upload sessions in flight live in the staging directory, never in blobs/, so they are not touched.
// A deleted blob's repository links (auth's record of what was uploaded where) go with it: a stale
// link would let its repository read the blob again once anyone re-uploads it elsewhere.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isDigest, referencedBlobs, type Digest, type StoreBackend } from '@berth/core';
import { ArtifactTags } from '../registry/artifact-tags.js';

export interface GcOptions {
  backend: StoreBackend;
  root: string;
  /** Unreferenced blobs written less than this long ago are kept (default 1 h). */
  graceMs?: number;
  dryRun?: boolean;
  now?: number;
}

export interface GcResult {
  deleted: { digest: Digest; size: number }[];
  reclaimed: number;
  /** Unreferenced blobs kept because they are younger than the grace period. */
  young: number;
  /** Blobs kept because something references them. */
  referenced: number;
}

export const DEFAULT_GC_GRACE_MS = 60 * 60 * 1000;
const MAX_JSON = 4 * 1024 * 1024;

async function readJsonBlob(backend: StoreBackend, digest: Digest): Promise<unknown> {
  const info = await backend.content.stat(digest);
  if (!info || info.size > MAX_JSON) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of await backend.content.get(digest)) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined; // a layer or other bytes: nothing inside to follow
  }
}

/** The descriptors a manifest or index names: config, layers, manifests (and an artifact's blobs). */
function children(doc: unknown): Digest[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const o = doc as Record<string, unknown>;
  const out: Digest[] = [];
  const add = (d: unknown): void => {
    const digest = (d as { digest?: unknown } | null)?.digest;
    if (typeof digest === 'string' && isDigest(digest)) out.push(digest);
  };
  add(o.config);
  for (const k of ['layers', 'manifests', 'blobs']) if (Array.isArray(o[k])) for (const d of o[k] as unknown[]) add(d);
  return out;
}

async function jsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Every digest named anywhere in a JSON document (tags.json, referrers.json). */
function digestsIn(doc: unknown, out: Digest[] = []): Digest[] {
  if (typeof doc === 'string') {
    if (isDigest(doc)) out.push(doc);
  } else if (Array.isArray(doc)) for (const v of doc) digestsIn(v, out);
  else if (typeof doc === 'object' && doc !== null) for (const v of Object.values(doc)) digestsIn(v, out);
  return out;
}

/** Removes every repository's link to a deleted blob (registry/repository-blobs.ts names them). */
async function unlinkRepositoryLinks(root: string, deleted: Digest[]): Promise<void> {
  if (deleted.length === 0) return;
  const linksDir = join(root, 'berthd', 'links');
  const repos = await readdir(linksDir).catch(() => [] as string[]);
  for (const repo of repos) {
    for (const digest of deleted) {
      await unlink(join(linksDir, repo, digest.replace(':', '-'))).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }
}

export async function collectGarbage(options: GcOptions): Promise<GcResult> {
  const { backend, root } = options;
  const grace = options.graceMs ?? DEFAULT_GC_GRACE_MS;
  const result: GcResult = { deleted: [], reclaimed: 0, young: 0, referenced: 0 };
  // A change that changes nothing: afterCommit runs under the store lock, which every image
  // commit (CLI, berthd, another berthd) takes too.
  await backend.metadata.update(() => undefined, {
    afterCommit: async (snapshot) => {
      const now = options.now ?? Date.now();
      const marked = new Set<Digest>(referencedBlobs(snapshot));
      const roots: Digest[] = [
        ...children(await jsonFile(join(root, 'index.json'))),
        ...digestsIn(await new ArtifactTags(join(root, 'berthd')).read()),
        ...digestsIn(await jsonFile(join(root, 'berthd', 'referrers.json'))),
      ];
      // Walk manifests and indexes down to their blobs (an image record's list is already complete).
      const queue: Digest[] = [];
      for (const d of roots) {
        if (marked.has(d)) continue;
        marked.add(d);
        queue.push(d);
      }
      while (queue.length > 0) {
        const d = queue.pop()!;
        for (const c of children(await readJsonBlob(backend, d))) {
          if (!marked.has(c)) {
            marked.add(c);
            queue.push(c);
          }
        }
      }
      for await (const blob of backend.content.list()) {
        if (marked.has(blob.digest)) {
          result.referenced++;
          continue;
        }
        // The OCI layout's path; a store that keeps blobs elsewhere has no age here, so nothing goes.
        const [alg, hex] = blob.digest.split(':') as [string, string];
        const mtime = (await stat(join(root, 'blobs', alg, hex)).catch(() => undefined))?.mtimeMs;
        if (mtime === undefined || now - mtime < grace) {
          result.young++;
          continue;
        }
        if (!options.dryRun) await backend.content.delete(blob.digest);
        result.deleted.push({ digest: blob.digest, size: blob.size });
        result.reclaimed += blob.size;
      }
      if (!options.dryRun) await unlinkRepositoryLinks(root, result.deleted.map((d) => d.digest));
    },
  });
  return result;
}
