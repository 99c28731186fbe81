// Human-readable sizes and durations exactly as github.com/docker/go-units prints and parses them
// (size.go, duration.go), plus docker/cli's CreatedSince and stringid.TruncateID.

import { BerthError } from '../errors.js';
import { sprintf } from './go-printf.js';
import { GoFloat } from './go-value.js';

export const KB = 1000;
export const MB = 1000 * KB;
export const GB = 1000 * MB;
export const TB = 1000 * GB;
export const PB = 1000 * TB;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
export const PiB = 1024 * TiB;

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;
const DECIMAL_MAP: Record<string, number> = { k: KB, m: MB, g: GB, t: TB, p: PB };
const BINARY_MAP: Record<string, number> = { k: KiB, m: MiB, g: GiB, t: TiB, p: PiB };
const SIZE_REGEX = /^(\d+(\.\d+)*) ?([kmgtp])?i?b?$/i;

function sizeAndUnit(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** units.CustomSize: `format` gets the scaled size (a float64) and the unit, e.g. "%.4g%s". */
export function customSize(format: string, size: number, base: number, units: readonly string[]): string {
  const [scaled, unit] = sizeAndUnit(size, base, units);
  return sprintf(format, new GoFloat(scaled), unit);
}

/** units.HumanSizeWithPrecision: decimal units, `%.*g` (so 999999 bytes at precision 3 is "1e+03kB"). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [scaled, unit] = sizeAndUnit(size, 1000, DECIMAL_ABBRS);
  return sprintf('%.*g%s', precision, new GoFloat(scaled), unit);
}

/** units.HumanSize: "2.746MB", "796kB". */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** units.BytesSize: binary units, "44KiB", "17MiB". */
export function bytesSize(size: number): string {
  return customSize('%.4g%s', size, 1024, BINARY_ABBRS);
}

function parseSize(sizeStr: string, unitMap: Record<string, number>): number {
  const m = SIZE_REGEX.exec(sizeStr);
  if (!m) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid size: '${sizeStr}'`);
  const digits = m[1]!;
  // The regex admits "1.2.3", which strconv.ParseFloat then rejects.
  if ((digits.match(/\./g) ?? []).length > 1) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `strconv.ParseFloat: parsing "${digits}": invalid syntax`);
  }
  let size = Number(digits);
  const mul = unitMap[(m[3] ?? '').toLowerCase()];
  if (mul !== undefined) size *= mul;
  return Math.trunc(size); // int64(size)
}

/** units.FromHumanSize: decimal units, case-insensitive, "32", "32kb", "32.5 kB". */
export function fromHumanSize(size: string): number {
  return parseSize(size, DECIMAL_MAP);
}

/** units.RAMInBytes: binary units, case-insensitive, optional "i" and "b": "32m", "32MiB". */
export function ramInBytes(size: string): number {
  return parseSize(size, BINARY_MAP);
}

/** units.HumanDuration for a duration in milliseconds: "Less than a second", "About a minute", "3 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which images built without a date carry. */
const GO_ZERO_TIME_MS = -62_135_596_800_000;

/**
 * docker/cli imageContext.CreatedSince: "3 weeks ago". Docker keeps whole seconds of the creation
 * time. The zero time gives "" — Docker's default table format shows that as N/A through
 * `{{if .CreatedSince}}{{.CreatedSince}}{{else}}N/A{{end}}`.
 */
export function createdSince(created: Date, now: Date = new Date()): string {
  const ms = created.getTime();
  if (Number.isNaN(ms) || ms === GO_ZERO_TIME_MS) return '';
  const createdSeconds = Math.floor(ms / 1000) * 1000;
  return `${humanDuration(now.getTime() - createdSeconds)} ago`;
}

/** stringid.TruncateID: drop an algorithm prefix ("sha256:") and keep the first 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}
