// Go's time.RFC3339Nano in UTC (trailing zeros of the fraction dropped), as Docker writes
// container times and json-file log lines.
export function formatRFC3339Nano(d: Date, extraNanos = 0): string {
  const iso = d.toISOString(); // 2026-11-28T11:15:29.123Z
  const ms = d.getUTCMilliseconds();
  const nanos = ms * 1_000_000 + extraNanos;
  const frac = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${iso.slice(0, 19)}${frac}Z`;
}

/** Parses an RFC 3339 time (nanoseconds dropped below the millisecond). */
export function parseRFC3339(s: string): Date {
  return new Date(s.replace(/(\.\d{3})\d+/, '$1'));
}

/** Go's zero time (the state never happened). */
export function isGoZeroTime(s: string): boolean {
  return s.startsWith('0001-01-01');
}
