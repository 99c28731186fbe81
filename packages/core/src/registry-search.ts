// What dockerd does around a registry search (moby registry/search.go, session.go), so the CLI
// and a future Engine API face agree: the term split into index and name, the limit checked, the
// filters (`stars`, `is-official`, the deprecated `is-automated`) validated and applied.
import { BerthError } from './errors.js';
import { parseFilters } from './images/filters.js';
import type { RegistrySearchResult } from './contracts/registry.js';

export const DEFAULT_SEARCH_LIMIT = 25;
const SEARCH_FILTERS = ['is-automated', 'is-official', 'stars'] as const;

export interface SearchTerm {
  /** The registry host searched (`docker.io` for Docker Hub). */
  host: string;
  /** What is sent as `q`. */
  term: string;
}

/**
 * splitReposSearchTerm: `host/term` when the first part looks like a host (has a dot or a colon,
 * or is localhost), else Docker Hub; on Hub `library/` is dropped as Hub stores official images
 * without it.
 */
export function splitSearchTerm(input: string): SearchTerm {
  if (input.startsWith('http://') || input.startsWith('https://')) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `invalid repository name: repository name (${input}) should not have a scheme`);
  }
  const slash = input.indexOf('/');
  const first = slash < 0 ? '' : input.slice(0, slash);
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) {
    return { host: 'docker.io', term: input.startsWith('library/') ? input.slice('library/'.length) : input };
  }
  const host = first === 'index.docker.io' ? 'docker.io' : first;
  const term = input.slice(slash + 1);
  return { host, term: host === 'docker.io' && term.startsWith('library/') ? term.slice('library/'.length) : term };
}

/**
 * `--limit`: docker sends it only when positive (else the daemon's default 25 applies), and the
 * daemon refuses anything above 100.
 */
export function searchLimit(limit: number | undefined): number {
  if (limit === undefined || limit <= 0) return DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit > 100) throw new BerthError('ERR_INVALID_ARGUMENT', `limit ${limit} is outside the range of [1, 100]`);
  return limit;
}

export interface SearchFilters {
  official?: boolean;
  /** The largest `stars=N` given. */
  minStars?: number;
  /**
   * `is-automated=true`: Docker 25+ answers nothing without asking the registry, since Hub's
   * automated flag is no longer meaningful.
   */
  nothing: boolean;
}

/** Parses `-f key=value` as the daemon validates them, with its error messages. */
export function parseSearchFilters(args: readonly string[]): SearchFilters {
  const f = parseFilters(args, SEARCH_FILTERS);
  const automated = boolFilter(f.get('is-automated'), 'is-automated');
  const official = boolFilter(f.get('is-official'), 'is-official');
  let minStars: number | undefined;
  for (const v of f.get('stars') ?? []) {
    // Go's strconv.Atoi: an optional sign and decimal digits, nothing else.
    if (!/^[+-]?\d+$/.test(v)) throw new BerthError('ERR_INVALID_FILTER', `invalid filter 'stars=${v}': strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    minStars = Math.max(minStars ?? 0, Number(v));
  }
  return { nothing: automated === true, ...(official !== undefined ? { official } : {}), ...(minStars !== undefined ? { minStars } : {}) };
}

/** filters.Args.GetBoolOrDefault: true/1 or false/0, exactly, and not both. */
function boolFilter(values: string[] | undefined, key: string): boolean | undefined {
  if (!values) return undefined;
  const set = new Set(values);
  const isFalse = set.has('0') || set.has('false');
  const isTrue = set.has('1') || set.has('true');
  if (isFalse === isTrue) throw new BerthError('ERR_INVALID_FILTER', `invalid filter '${key}=[${[...set].sort().join(' ')}]'`);
  return isTrue;
}

/** The daemon's filtering, in the registry's order; the automated flag is reported as false. */
export function filterSearchResults(results: readonly RegistrySearchResult[], filters: SearchFilters): RegistrySearchResult[] {
  if (filters.nothing) return [];
  return results
    .filter((r) => (filters.official === undefined || r.isOfficial === filters.official) && (filters.minStars === undefined || r.starCount >= filters.minStars))
    .map((r) => ({ ...r, isAutomated: false }));
}
