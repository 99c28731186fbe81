// `rmi`: untag versus delete, decided exactly as Docker's daemon decides (moby
// daemon/images/image_delete.go): by tag, one tag goes; by ID, all tags then the image.
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { ImageRecord, StoreSnapshot } from '../contracts/metadata-store.js';
import { familiarString, parseNormalizedReference, referenceString, withDefaultTag } from '../reference.js';
import { chainIds } from './chain-id.js';
import { childrenOf, findImage, isDangling, tagsOf } from './lookup.js';
import { truncateId } from '../format/index.js';

export type DeleteRecord = { Untagged: string } | { Deleted: string };

/** A container's claim on an image; containers arrive with the runtime plugin. */
export interface ContainerUse {
  id: string;
  imageId: Digest;
  running: boolean;
}

export interface RemoveOptions {
  force: boolean;
  /** `--no-prune`: keep untagged parents. */
  noPrune: boolean;
  containers?: readonly ContainerUse[];
}

interface Conflict {
  hard: boolean;
  used: boolean;
  message: string;
}

/** One reference to an image: a tag (`repo:tag`) or a digest (`repo@sha256:…`), full form. */
interface RepoRef {
  full: string;
  repo: string;
  canonical: boolean;
}

function refsOf(s: StoreSnapshot, rec: ImageRecord): RepoRef[] {
  const tags = tagsOf(s, rec.id).map((full) => ({ full, repo: full.slice(0, full.lastIndexOf(':')), canonical: false }));
  const digests = rec.repoDigests.map((full) => ({ full, repo: full.slice(0, full.indexOf('@')), canonical: true }));
  return [...tags, ...digests];
}

function removeRef(s: StoreSnapshot, rec: ImageRecord, ref: RepoRef): void {
  if (ref.canonical) rec.repoDigests = rec.repoDigests.filter((d) => d !== ref.full);
  else s.tags.delete(ref.full);
}

function familiar(full: string): string {
  return familiarString(parseNormalizedReference(full));
}

// A single reference, or several that are one tag plus digests of that same repository.
function isSingleReference(refs: RepoRef[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: RepoRef | undefined;
  const canonicalRepos = new Set<string>();
  for (const r of refs) {
    if (r.canonical) canonicalRepos.add(r.repo);
    else if (!single) single = r;
    else return false;
  }
  single ??= refs[0]!;
  return canonicalRepos.size === 1 && canonicalRepos.has(single.repo);
}

function isIdPrefix(id: Digest, input: string): boolean {
  return id.startsWith(input) || id.slice('sha256:'.length).startsWith(input);
}

const HARD = { child: true, running: true };
const SOFT = { reference: true, stopped: true };
type Mask = Partial<typeof HARD & typeof SOFT>;

function conflictFor(s: StoreSnapshot, id: Digest, mask: Mask, containers: readonly ContainerUse[]): Conflict | undefined {
  if (mask.child && childrenOf(s, id).length > 0) return { hard: true, used: false, message: 'image has dependent child images' };
  const running = mask.running ? containers.find((c) => c.imageId === id && c.running) : undefined;
  if (running) return { hard: true, used: true, message: `image is being used by running container ${truncateId(running.id)}` };
  const rec = s.images.get(id);
  if (mask.reference && rec && refsOf(s, rec).length > 0) return { hard: false, used: false, message: 'image is referenced in multiple repositories' };
  const stopped = mask.stopped ? containers.find((c) => c.imageId === id && !c.running) : undefined;
  if (stopped) return { hard: false, used: true, message: `image is being used by stopped container ${truncateId(stopped.id)}` };
  return undefined;
}

function conflictError(id: Digest, c: Conflict): BerthError {
  return new BerthError('ERR_IMAGE_CONFLICT', `conflict: unable to delete ${truncateId(id)} (${c.hard ? 'cannot be forced' : 'must be forced'}) - ${c.message}`);
}

/** Removes by name or ID from the draft snapshot; returns Docker's delete records in order. */
export function removeImage(s: StoreSnapshot, input: string, opts: RemoveOptions): DeleteRecord[] {
  const containers = opts.containers ?? [];
  const { record } = findImage(s, input);
  const id = record.id;
  const records: DeleteRecord[] = [];
  let refs = refsOf(s, record);
  let removedRepositoryRef = false;

  if (!isIdPrefix(id, input)) {
    if (!opts.force && isSingleReference(refs)) {
      const user = containers.find((c) => c.imageId === id);
      if (user) {
        throw new BerthError('ERR_IMAGE_CONFLICT', `conflict: unable to remove repository reference "${input}" (must force) - container ${truncateId(user.id)} is using its referenced image ${truncateId(id)}`);
      }
    }
    const named = parseNormalizedReference(input);
    const full = named.digest ? `${named.domain}/${named.path}@${named.digest}` : referenceString(withDefaultTag(named));
    const ref = refs.find((r) => r.full === full);
    if (!ref) throw new BerthError('ERR_IMAGE_UNKNOWN', `No such image: ${familiar(full)}`);
    removeRef(s, record, ref);
    records.push({ Untagged: familiar(full) });
    refs = refsOf(s, record);
    // Removing the last tag of a repository also drops that repository's digest references.
    if (!ref.canonical && !refs.some((r) => !r.canonical && r.repo === ref.repo)) {
      for (const r of refs.filter((x) => x.canonical && x.repo === ref.repo)) {
        removeRef(s, record, r);
        records.push({ Untagged: familiar(r.full) });
      }
      refs = refsOf(s, record);
    }
    if (refs.length > 0) return records;
    removedRepositoryRef = true;
  } else if (isSingleReference(refs)) {
    const mask: Mask = opts.force ? { ...HARD } : { ...HARD, stopped: true };
    const c = conflictFor(s, id, mask, containers);
    if (c) throw conflictError(id, c);
    for (const r of refs) {
      removeRef(s, record, r);
      records.push({ Untagged: familiar(r.full) });
    }
  }
  deleteHelper(s, id, records, opts.force, !opts.noPrune, removedRepositoryRef, containers);
  return records;
}

function deleteHelper(s: StoreSnapshot, id: Digest, records: DeleteRecord[], force: boolean, prune: boolean, quiet: boolean, containers: readonly ContainerUse[]): void {
  const mask: Mask = force ? { ...HARD } : { ...HARD, ...SOFT };
  const c = conflictFor(s, id, mask, containers);
  const rec = s.images.get(id)!;
  if (c) {
    // Quiet (after an untag or while pruning parents) ignores conflicts unless the image is dangling and unused.
    if (quiet && (!isDangling(s, rec) || c.used)) return;
    throw conflictError(id, c);
  }
  const parent = rec.parent;
  for (const r of refsOf(s, rec)) {
    removeRef(s, rec, r);
    records.push({ Untagged: familiar(r.full) });
  }
  const before = usedChainIds(s);
  s.images.delete(id);
  const after = usedChainIds(s);
  records.push({ Deleted: id });
  const chain = chainIds(rec.layers.map((l) => l.diffID));
  for (const cid of chain.reverse()) {
    if (before.has(cid) && !after.has(cid)) records.push({ Deleted: cid });
  }
  if (prune && parent && s.images.has(parent)) deleteHelper(s, parent, records, false, true, true, containers);
}

function usedChainIds(s: StoreSnapshot): Set<Digest> {
  const out = new Set<Digest>();
  for (const rec of s.images.values()) for (const c of chainIds(rec.layers.map((l) => l.diffID))) out.add(c);
  return out;
}

/** Blob digests referenced by the images of a snapshot (manifests, configs, layers). */
export function referencedBlobs(s: StoreSnapshot): Set<Digest> {
  const out = new Set<Digest>();
  for (const rec of s.images.values()) {
    out.add(rec.manifest.digest);
    out.add(rec.config.digest);
    for (const l of rec.layers) out.add(l.digest);
  }
  return out;
}

/** Blobs that `before` referenced and `after` no longer does: safe to delete under the store lock. */
export function releasedBlobs(before: StoreSnapshot, after: StoreSnapshot): Digest[] {
  const keep = referencedBlobs(after);
  return [...referencedBlobs(before)].filter((d) => !keep.has(d));
}
