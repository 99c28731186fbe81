// Image references parsed, normalised and printed exactly as Docker does: a port of
// github.com/distribution/reference (regexp.go, reference.go, normalize.go, helpers.go), with its error texts.
import { BerthError } from './errors.js';
import type { Digest } from './digest.js';
import { BAD_PATTERN_MESSAGE, pathMatch } from './path-match.js';

/** A named reference. After normalisation `domain` is never empty (`docker.io` for Docker Hub). */
export interface Reference {
  domain: string;
  path: string;
  tag?: string;
  digest?: Digest;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const LOCALHOST = 'localhost';
/** RepositoryNameTotalLengthMax: counted on the path only, after normalisation (`library/` included). */
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar of regexp.go, piece by piece. JS backtracking picks the same submatches as Go's
// leftmost-first RE2 here, and `$` without the m flag only matches at the very end, as in Go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const ANCHORED_IDENTIFIER_RE = /^([a-f0-9]{64})$/;
// go-digest's DigestRegexpAnchored, used only to pick its error for an unregistered algorithm.
const GO_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** Hex lengths of the algorithms Docker registers with go-digest (crypto/sha256, crypto/sha512). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(message: string): BerthError {
  return new BerthError('ERR_INVALID_REFERENCE', message);
}

/** go-digest's digest.Parse, as reference.Parse calls it: the same checks in the same order. */
function parseGoDigest(s: string): Digest {
  const colon = s.indexOf(':');
  if (colon <= 0 || colon + 1 === s.length) throw invalid('invalid checksum digest format');
  const algorithm = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  const hexLength = Object.hasOwn(DIGEST_HEX_LENGTH, algorithm) ? DIGEST_HEX_LENGTH[algorithm] : undefined;
  if (hexLength === undefined) {
    throw invalid(GO_DIGEST_RE.test(s) ? 'unsupported digest algorithm' : 'invalid checksum digest format');
  }
  if (encoded.length !== hexLength) throw invalid('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(encoded)) throw invalid('invalid checksum digest format');
  // Divergence: Docker accepts sha384 digests, but berth's Digest type (digest.ts) has no sha384.
  if (algorithm === 'sha384') throw invalid('unsupported digest algorithm');
  return s as Digest;
}

/**
 * reference.Parse: the reference exactly as written, without normalisation (so `domain` may be
 * empty and `ubuntu` stays `ubuntu`). Most callers want parseNormalizedReference.
 */
export function parseReference(s: string): Reference {
  if (s === '') throw invalid('repository name must have at least one component');
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    // Valid once lower-cased: the name has upper-case letters.
    if (lower !== s && REFERENCE_RE.test(lower)) throw invalid('repository name must be lowercase');
    throw invalid('invalid reference format');
  }
  const name = m[1]!;
  const nameMatch = ANCHORED_NAME_RE.exec(name);
  const domain = nameMatch?.[1] ?? '';
  const path = nameMatch ? nameMatch[2]! : name;
  if (path.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }
  const ref: Reference = { domain, path };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = parseGoDigest(m[3]);
  return ref;
}

/** splitDockerDomain: the domain of a familiar name, defaulting to Docker Hub and its `library/`. */
function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/');
  // A single element ("ubuntu", "ubuntu:latest") is never a host:port.
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === LEGACY_DEFAULT_DOMAIN) {
    [domain, remainder] = [DEFAULT_DOMAIN, maybeRemote];
  } else if (maybeDomain === LOCALHOST || /[.:]/.test(maybeDomain) || maybeDomain.toLowerCase() !== maybeDomain) {
    // localhost, anything with a dot or a port, and upper-case first elements are hosts.
    [domain, remainder] = [maybeDomain, maybeRemote];
  } else {
    [domain, remainder] = [DEFAULT_DOMAIN, name];
  }
  // "docker.io/ubuntu" => "docker.io/library/ubuntu", on Docker Hub only.
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return [domain, remainder];
}

/**
 * ParseNormalizedNamed: `ubuntu` → docker.io/library/ubuntu, `index.docker.io/x` → docker.io/library/x.
 * Throws ERR_INVALID_REFERENCE with Docker's own message.
 */
export function parseNormalizedReference(s: string): Reference {
  if (ANCHORED_IDENTIFIER_RE.test(s)) {
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon > -1 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseReference(`${domain}/${remainder}`);
}

/** TagNameOnly: a reference with neither tag nor digest gets `latest`. */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: DEFAULT_TAG };
}

/** ParseDockerRef: normalised, `latest` by default, and only the digest when both tag and digest are given. */
export function parseDockerRef(s: string): Reference {
  const ref = parseNormalizedReference(s);
  if (ref.tag !== undefined && ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  return withDefaultTag(ref);
}

/** The repository: `docker.io/library/ubuntu`. */
export function repositoryName(ref: Reference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

function withSuffix(name: string, ref: Reference): string {
  return name + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The full form: `docker.io/library/ubuntu:latest`, `host:5000/a/b:t@sha256:…`. */
export function referenceString(ref: Reference): string {
  return withSuffix(repositoryName(ref), ref);
}

/** FamiliarName: Docker Hub's domain dropped, and `library/` for single-level names (`ubuntu`, `user/repo`). */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** FamiliarString: what Docker prints, `ubuntu:latest`, `localhost:5000/a/b:t`, `user/repo@sha256:…`. */
export function familiarString(ref: Reference): string {
  return withSuffix(familiarName(ref), ref);
}

/** Shorthand: `ubuntu` → `docker.io/library/ubuntu:latest`. */
export function normalizeReferenceString(s: string): string {
  return referenceString(withDefaultTag(parseNormalizedReference(s)));
}

/**
 * The target of `berth tag SOURCE TARGET`, checked as docker's client does (client/image_tag.go):
 * a name with an optional tag, no digest, `latest` by default.
 */
export function parseTagReference(s: string): Reference {
  let ref: Reference;
  try {
    ref = parseNormalizedReference(s);
  } catch (err) {
    // Docker CLI 28's wording (newer clients print it with a lower-case "error").
    throw invalid(`Error parsing reference: ${goQuote(s)} is not a valid repository/tag: ${(err as Error).message}`);
  }
  if (ref.digest !== undefined) throw invalid('refusing to create a tag with a digest reference');
  return withDefaultTag(ref);
}

// Mirrors the containerd image store (moby daemon/containerd/image.go, `truncatedID` =
// ^(sha256:)?([a-f0-9]{4,64})$): an ID prefix is 4 to 64 lower-case hex digits, optionally after
// `sha256:`. The older graphdriver store (digestset.Lookup) took even a single digit. Either way the
// daemon looks the string up as a name first and only then as an ID prefix, so `cafe` is both.
const ID_PREFIX_RE = /^(?:sha256:)?[a-f0-9]{4,64}$/;

/** Whether `s` could be a (possibly short, possibly `sha256:`-prefixed) image ID. */
export function isImageIdPrefix(s: string): boolean {
  return ID_PREFIX_RE.test(s);
}

/**
 * The `reference` filter of `images --filter reference=PATTERN` and `images REPO[:TAG]`:
 * moby's FamiliarMatch, a Go path.Match glob against the familiar string (`busybox:glibc`), then
 * against the familiar name (`busybox`). A malformed pattern is an ERR_INVALID_FILTER
 * "syntax error in pattern", as the graphdriver store reports it (the containerd store matches nothing).
 */
export function referenceMatches(pattern: string, ref: Reference): boolean {
  try {
    return pathMatch(pattern, familiarString(ref)) || pathMatch(pattern, familiarName(ref));
  } catch {
    throw new BerthError('ERR_INVALID_FILTER', BAD_PATTERN_MESSAGE);
  }
}

/** Go's %q for the strings a user types: quotes, backslashes and control characters escaped. */
function goQuote(s: string): string {
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (named[ch] !== undefined) out += named[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp <= 0x9f) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
