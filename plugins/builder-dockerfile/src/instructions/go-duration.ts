// Go's time.ParseDuration ("1h30m", "1.5s", "300ms"), returning nanoseconds, with Go's errors.
import { goQuote } from '@berth/core';

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3,
  'μs': 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(s: string): number {
  const orig = s;
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, int = '', frac] = m;
    if (int === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(whole.length);
    const u = /^[^\d.]*/.exec(s)![0];
    if (u === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    total += Number(int || '0') * unit + (frac ? Math.floor(Number('0.' + frac) * unit) : 0);
  }
  if (total > 2 ** 63 - 1) throw invalid();
  return neg ? -total : total;
}

/** Go's Duration.String ("1ms", "1.5s", "5m0s", "1h0m30s"). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 0) return `-${formatGoDuration(-ns)}`;
  const frac = (v: number, digits: number): string => {
    const unit = 10 ** digits;
    const whole = Math.floor(v / unit);
    const rest = String(v % unit).padStart(digits, '0').replace(/0+$/, '');
    return rest === '' ? String(whole) : `${whole}.${rest}`;
  };
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${frac(ns, 3)}µs`;
  if (ns < 1e9) return `${frac(ns, 6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const secs = `${frac(ns % 6e10, 9)}s`;
  if (h > 0) return `${h}h${m}m${secs}`;
  if (m > 0) return `${m}m${secs}`;
  return secs;
}
