// `--filter key=value` arguments, parsed and validated as Docker's filters package does, and the
// time values (`until`, `since`) read as Docker's timetypes does: durations, RFC 3339, Unix time.
import { BerthError } from '../errors.js';

export type Filters = Map<string, string[]>;

export function parseFilters(args: readonly string[], accepted: readonly string[]): Filters {
  const out: Filters = new Map();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new BerthError('ERR_INVALID_FILTER', `bad format of filter (expected name=value)`);
    const key = arg.slice(0, eq).trim().toLowerCase();
    const value = arg.slice(eq + 1).trim();
    if (!accepted.includes(key)) throw new BerthError('ERR_INVALID_FILTER', `invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

/** `dangling=true|false` (also 1/0); undefined when not given. Docker refuses other values. */
export function danglingFilter(f: Filters): boolean | undefined {
  const vals = f.get('dangling');
  if (!vals) return undefined;
  let result: boolean | undefined;
  for (const v of vals) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') result = true;
    else if (lower === 'false' || lower === '0') result = result ?? false;
    else throw new BerthError('ERR_INVALID_FILTER', `Invalid filter 'dangling=${v}'`);
  }
  return result;
}

/**
 * Docker's label filter: every `label=k` or `label=k=v` must match; with `label!=…` (prune) none may.
 */
export function matchLabels(f: Filters, labels: Record<string, string>): boolean {
  for (const cond of f.get('label') ?? []) if (!labelMatches(cond, labels)) return false;
  for (const cond of f.get('label!') ?? []) if (labelMatches(cond, labels)) return false;
  return true;
}

function labelMatches(cond: string, labels: Record<string, string>): boolean {
  const eq = cond.indexOf('=');
  if (eq < 0) return Object.prototype.hasOwnProperty.call(labels, cond);
  const k = cond.slice(0, eq);
  return Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === cond.slice(eq + 1);
}

const GO_DURATION = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds. */
export function parseGoDuration(s: string): number | undefined {
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[-+]/, '');
  if (body === '0') return 0;
  if (!GO_DURATION.test(body)) return undefined;
  let total = 0;
  for (const m of body.matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return sign * total;
}

/**
 * A point in time as Docker's filters accept it (`until=24h`, `until=2024-01-02T15:04:05`,
 * `until=1700000000`): a duration counts back from `now`. Returns epoch milliseconds.
 */
export function parseTimestamp(value: string, now: number): number {
  const d = parseGoDuration(value);
  if (d !== undefined) return now - d;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(value)) return Number(value) * 1000;
  // RFC 3339 and its shorter forms; no zone means local time, as Docker does.
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (m) {
    const t = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? ''}`);
    if (!Number.isNaN(t)) return t;
  }
  throw new BerthError('ERR_INVALID_FILTER', `failed to parse value as time or duration: "${value}"`);
}
