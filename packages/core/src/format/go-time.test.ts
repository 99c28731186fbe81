import { describe, expect, it } from 'vitest';
import { formatGoTime, formatGoTimeRFC3339 } from './go-time.js';

describe('Go time.Time text', () => {
  const t = new Date('2024-01-02T03:04:05.5Z');

  it('String() as Docker prints CreatedAt: zone offset and abbreviation, trimmed fraction', () => {
    expect(formatGoTime(t, 'UTC')).toBe('2024-01-02 03:04:05.5 +0000 UTC');
    expect(formatGoTime(new Date('2024-01-02T03:04:05Z'), 'UTC')).toBe('2024-01-02 03:04:05 +0000 UTC');
    expect(formatGoTime(t, 'America/New_York')).toBe('2024-01-01 22:04:05.5 -0500 EST');
    expect(formatGoTime(t, 'Europe/Berlin')).toBe('2024-01-02 04:04:05.5 +0100 CET');
    // Zones whose tzdata abbreviation is numeric print as Go does.
    expect(formatGoTime(t, 'America/Sao_Paulo')).toBe('2024-01-02 00:04:05.5 -0300 -03');
  });

  it('RFC 3339 as encoding/json writes it', () => {
    expect(formatGoTimeRFC3339(t, 'UTC')).toBe('2024-01-02T03:04:05.5Z');
    expect(formatGoTimeRFC3339(t, 'Asia/Kolkata')).toBe('2024-01-02T08:34:05.5+05:30');
    expect(formatGoTimeRFC3339(new Date('0099-12-31T23:59:59.120Z'), 'UTC')).toBe('0099-12-31T23:59:59.12Z');
  });

  it('UTC without Intl matches the Intl path of a zone at offset zero', () => {
    for (const iso of ['2024-01-02T03:04:05.5Z', '1970-01-01T00:00:00Z', '2038-06-30T12:00:00.007Z']) {
      const d = new Date(iso);
      expect(formatGoTimeRFC3339(d, 'UTC')).toBe(formatGoTimeRFC3339(d, 'Etc/GMT'));
      expect(formatGoTime(d, 'UTC')).toBe(formatGoTime(d, 'Etc/UTC'));
    }
  });
});
