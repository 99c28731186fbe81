// The bridge from commands to core's Docker-style formatting: a command names its default table,
// its column headers and its rows; `--format` (table …, json, or a Go template) does the rest.
import { renderList, renderOne } from '@berth/core';

export interface ListSpec {
  /** Docker's default, e.g. `table {{.Repository}}\t{{.Tag}}`. */
  defaultFormat: string;
  /** Used when --quiet is given. */
  quietFormat?: string;
  headers: Record<string, string>;
}

export function formatList(rows: object[], spec: ListSpec, opts: { format?: string | undefined; quiet?: boolean | undefined }): string {
  const format = opts.quiet ? spec.quietFormat ?? '{{.ID}}' : opts.format && opts.format !== '' ? opts.format : spec.defaultFormat;
  return renderList(rows, format === 'table' ? spec.defaultFormat : format, spec.headers);
}

export function formatOne(format: string, data: unknown): string {
  return renderOne(format === 'json' ? '{{json .}}' : format, data);
}

/** Go's time.Time.String() for a Unix time, in local time: `2024-01-02 15:04:05 +0000 UTC`. */
export function goTimeString(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const sign = offsetMin >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  const zone = offsetMin === 0 && (process.env.TZ ?? 'UTC').match(/^(UTC|Etc\/UTC|)$/) ? 'UTC' : zoneAbbreviation(d) ?? offset;
  return `${local} ${offset} ${zone}`;
}

function zoneAbbreviation(d: Date): string | undefined {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value;
}

/** Go's time.RFC3339 in local time, as `history --human=false` prints. */
export function rfc3339Local(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const offsetMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offsetMin * 60_000).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${local}Z`;
  const abs = Math.abs(offsetMin);
  return `${local}${offsetMin > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** docker/cli formatter.Ellipsis: cut to `max` columns, the last one an ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (max <= 0) return '';
  return `${chars.slice(0, max - 1).join('')}…`;
}
