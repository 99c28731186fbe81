import { describe, expect, it } from 'vitest';
import { matchLabels, parseFilters, parseGoDuration, parseTimestamp } from './filters.js';

describe('filters', () => {
  it('splits at the first = and lower-cases the key, as Docker does', () => {
    const f = parseFilters(['Label=a=b', 'label!=c'], ['label', 'label!']);
    expect(f.get('label')).toEqual(['a=b']);
    expect(f.get('label!')).toEqual(['c']);
  });

  it('matches label, label=value and label!=', () => {
    const f = parseFilters(['label=a', 'label=b=2', 'label!=c'], ['label', 'label!']);
    expect(matchLabels(f, { a: 'x', b: '2' })).toBe(true);
    expect(matchLabels(f, { a: 'x', b: '3' })).toBe(false);
    expect(matchLabels(f, { a: 'x', b: '2', c: '' })).toBe(false);
  });

  it('reads Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parseGoDuration('0')).toBe(0);
  });

  it('reads until values as durations back from now, Unix times and RFC 3339', () => {
    const now = Date.UTC(2024, 5, 1);
    expect(parseTimestamp('24h', now)).toBe(now - 86_400_000);
    expect(parseTimestamp('1700000000', now)).toBe(1_700_000_000_000);
    expect(parseTimestamp('2024-01-02T03:04:05Z', now)).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2024-01-02T03:04:05+01:00', now)).toBe(Date.UTC(2024, 0, 2, 2, 4, 5));
    expect(() => parseTimestamp('yesterday', now)).toThrow('failed to parse value as time or duration: "yesterday"');
  });
});
