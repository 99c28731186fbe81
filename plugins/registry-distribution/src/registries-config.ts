// Where a pull really goes: Docker's `registry-mirrors` (for docker.io) and `insecure-registries`,
// and per-namespace `registries` entries in the spirit of containers-registries.conf(5) (prefix,
// location, insecure, blocked, mirrors, mirror-by-digest-only, pull-from-mirror), read from
// berth's config file. Pure: it turns a reference into the ordered places to pull it from.
import { BerthError, configSection, type BerthConfig, type Reference } from '@berth/core';
import { registryEndpoint, type RegistryEndpoint } from './registry-endpoint.js';

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface MirrorEntry {
  /** `host[:port][/namespace…]`, or for `registry-mirrors` an http(s) URL. */
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry {
  /** `host[:port][/namespace…]` or `*.domain`; matched against the reference's full name. */
  prefix: string;
  /** Where the prefix-rooted namespace really lives (default: the prefix itself). */
  location?: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorEntry[];
}

export interface RegistriesConfig {
  /** Docker's daemon.json `registry-mirrors`: base URLs tried before Docker Hub. */
  registryMirrors: string[];
  /** Hosts reached over plain HTTP besides loopback ones. */
  insecureRegistries: string[];
  registries: RegistryEntry[];
}

export const EMPTY_REGISTRIES_CONFIG: RegistriesConfig = { registryMirrors: [], insecureRegistries: [], registries: [] };

/** One place to pull from, in the order they are tried. */
export interface PullSource {
  endpoint: RegistryEndpoint;
  /** The repository path on that host. */
  repository: string;
  /** The host whose credentials are used (a mirror gets its own, never the origin's). */
  credentialsHost: string;
  mirror: boolean;
}

/** Reads the three keys from berth's config file, refusing what it cannot honour. */
export function registriesConfig(config: BerthConfig): RegistriesConfig {
  return {
    registryMirrors: configSection(config, 'registry-mirrors', (v) => stringList(v).map(checkMirrorURL), []),
    insecureRegistries: configSection(config, 'insecure-registries', (v) => stringList(v), []),
    registries: configSection(config, 'registries', (v) => {
      if (!Array.isArray(v)) throw new Error('must be an array of {prefix, location, insecure, blocked, mirrors}');
      return v.map((e, i) => registryEntry(e, i));
    }, []),
  };
}

function stringList(v: unknown): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.trim() === '')) throw new Error('must be an array of strings');
  return v as string[];
}

/** moby's ValidateMirror: an http(s) URL without credentials, query or fragment. */
function checkMirrorURL(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`has ${JSON.stringify(s)}, which is not a URL (registry mirrors are http:// or https:// URLs)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`has ${JSON.stringify(s)}: unsupported scheme ${u.protocol.slice(0, -1)}`);
  if (u.search || u.hash) throw new Error(`has ${JSON.stringify(s)}: query or fragment at end of the URI`);
  if (u.username || u.password) throw new Error(`has ${JSON.stringify(s)}: username/password not allowed in URI`);
  return s.replace(/\/+$/, '');
}

function registryEntry(e: unknown, i: number): RegistryEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new Error(`[${i}] must be an object`);
  const o = e as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    if (o[k] === undefined) return undefined;
    if (typeof o[k] !== 'string' || o[k] === '') throw new Error(`[${i}].${k} must be a non-empty string`);
    return o[k] as string;
  };
  const bool = (k: string, src: Record<string, unknown> = o, where = `[${i}]`): boolean => {
    if (src[k] === undefined) return false;
    if (typeof src[k] !== 'boolean') throw new Error(`${where}.${k} must be true or false`);
    return src[k] as boolean;
  };
  const location = str('location');
  const prefix = str('prefix') ?? location;
  if (!prefix) throw new Error(`[${i}] needs a prefix or a location`);
  if (prefix.includes('*') && !/^\*\.[^*/:@]+$/.test(prefix)) throw new Error(`[${i}].prefix ${JSON.stringify(prefix)}: a wildcard is only allowed as "*.domain"`);
  if (prefix.startsWith('*.') && location) throw new Error(`[${i}]: a wildcard prefix cannot have a location`);
  const mirrorsRaw = o.mirrors ?? [];
  if (!Array.isArray(mirrorsRaw)) throw new Error(`[${i}].mirrors must be an array`);
  const mirrorByDigestOnly = bool('mirror-by-digest-only');
  const mirrors = mirrorsRaw.map((m, j): MirrorEntry => {
    const where = `[${i}].mirrors[${j}]`;
    if (typeof m !== 'object' || m === null || typeof (m as Record<string, unknown>).location !== 'string') throw new Error(`${where} needs a location`);
    const mo = m as Record<string, unknown>;
    const pull = mo['pull-from-mirror'] ?? 'all';
    if (pull !== 'all' && pull !== 'digest-only' && pull !== 'tag-only') throw new Error(`${where}.pull-from-mirror must be "all", "digest-only" or "tag-only"`);
    if (mirrorByDigestOnly && mo['pull-from-mirror'] !== undefined) throw new Error(`${where}: pull-from-mirror is not allowed with mirror-by-digest-only`);
    return { location: mo.location as string, insecure: bool('insecure', mo, where), pullFromMirror: mirrorByDigestOnly ? 'digest-only' : pull };
  });
  return { prefix, ...(location ? { location } : {}), insecure: bool('insecure'), blocked: bool('blocked'), mirrorByDigestOnly, mirrors };
}

/** Does `name` (`host/path`) fall under `prefix` (at a path boundary), and how long is the match. */
function matchLength(prefix: string, domain: string, name: string): number {
  if (prefix.startsWith('*.')) return domain.endsWith(prefix.slice(1)) ? prefix.length : -1;
  return name === prefix || name.startsWith(`${prefix}/`) ? prefix.length : -1;
}

/** The `registries` entry for a reference: the longest matching prefix. */
export function registryEntryFor(ref: Reference, config: RegistriesConfig): RegistryEntry | undefined {
  const name = `${ref.domain}/${ref.path}`;
  let best: RegistryEntry | undefined;
  let bestLength = -1;
  for (const e of config.registries) {
    const n = matchLength(e.prefix, ref.domain, name);
    if (n > bestLength) [best, bestLength] = [e, n];
  }
  return best;
}

/**
 * `host[/namespace]` with the name's part after the prefix appended: `mirror/ns` + `/app`. Under a
 * wildcard prefix the matched part is the host (containers/image rewriteReference).
 */
function rewrite(location: string, prefix: string, name: string): { host: string; repository: string } {
  const matched = prefix.startsWith('*.') ? name.slice(0, name.indexOf('/')) : prefix;
  const full = location + name.slice(matched.length);
  const slash = full.indexOf('/');
  return { host: full.slice(0, slash), repository: full.slice(slash + 1) };
}

/** Hosts allowed over HTTP: the config's list, the caller's, and entries marked insecure. */
function insecureFor(config: RegistriesConfig, extra: readonly string[], host: string, flagged: boolean): readonly string[] {
  return flagged ? [...config.insecureRegistries, ...extra, host] : [...config.insecureRegistries, ...extra];
}

/**
 * Where to pull `ref` from: mirrors first (those allowed for a tag or a digest pull), then the
 * origin (rewritten by `location`). Refuses a blocked name.
 */
export function pullSources(ref: Reference, config: RegistriesConfig, extraInsecure: readonly string[] = []): PullSource[] {
  const name = `${ref.domain}/${ref.path}`;
  const entry = registryEntryFor(ref, config);
  if (entry?.blocked) throw new BerthError('ERR_BERTH_CONFIG', `pulling ${name} is blocked by registries entry "${entry.prefix}" in berth's config`);
  const byDigest = ref.digest !== undefined;
  const sources: PullSource[] = [];
  for (const m of entry?.mirrors ?? []) {
    if ((m.pullFromMirror === 'digest-only' && !byDigest) || (m.pullFromMirror === 'tag-only' && byDigest)) continue;
    const { host, repository } = rewrite(m.location, entry!.prefix, name);
    sources.push({ endpoint: registryEndpoint(host, insecureFor(config, extraInsecure, host, m.insecure)), repository, credentialsHost: host, mirror: true });
  }
  if (ref.domain === 'docker.io') {
    for (const url of config.registryMirrors) {
      const u = new URL(url);
      sources.push({ endpoint: { host: u.host, base: url }, repository: ref.path, credentialsHost: u.host, mirror: true });
    }
  }
  const origin = entry?.location ? rewrite(entry.location, entry.prefix, name) : { host: ref.domain, repository: ref.path };
  sources.push({ endpoint: registryEndpoint(origin.host, insecureFor(config, extraInsecure, origin.host, entry?.insecure ?? false)), repository: origin.repository, credentialsHost: origin.host, mirror: false });
  return sources;
}
