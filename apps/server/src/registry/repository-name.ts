// The data model: a registry repository is a store name with the registry host stripped. A push of
// `HOST/team/app:1` lands as the store tag `docker.io/team/app:1` (what `berth images` calls
// `team/app:1`), and the store's `docker.io/library/busybox` is served as the repository `busybox`.
import { BerthError, familiarName, parseNormalizedReference, referenceString, type Reference } from '@berth/core';

export interface RepositoryName {
  /** The name as the client sent it (`team/app`). */
  name: string;
  /** The normalised store repository (`docker.io/team/app`). */
  storeRepository: string;
}

/** Parses a repository path the way Docker normalises a name; refuses tags, digests and upper case. */
export function parseRepositoryName(name: string): RepositoryName {
  let ref: Reference;
  try {
    ref = parseNormalizedReference(name);
  } catch (err) {
    throw new BerthError('ERR_INVALID_REFERENCE', `invalid repository name ${JSON.stringify(name)}: ${(err as Error).message}`);
  }
  if (ref.tag !== undefined || ref.digest !== undefined) throw new BerthError('ERR_INVALID_REFERENCE', `invalid repository name ${JSON.stringify(name)}`);
  return { name, storeRepository: referenceString(ref) };
}

/** The store tag a registry tag becomes. */
export function storeTag(repo: RepositoryName, tag: string): string {
  return `${repo.storeRepository}:${tag}`;
}

/** Splits a store tag into the repository the registry shows and the tag. */
export function registryNameOfStoreTag(tag: string): { repository: string; tag: string } | undefined {
  let ref: Reference;
  try {
    ref = parseNormalizedReference(tag);
  } catch {
    return undefined;
  }
  if (ref.tag === undefined) return undefined;
  return { repository: familiarName(ref), tag: ref.tag };
}

// distribution/reference TagRegexp.
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}
