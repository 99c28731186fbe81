import { describe, expect, it } from 'vitest';
import {
  bytesSize,
  createdSince,
  fromHumanSize,
  GB,
  GiB,
  humanDuration,
  humanSize,
  humanSizeWithPrecision,
  KB,
  KiB,
  MB,
  MiB,
  PB,
  PiB,
  ramInBytes,
  TB,
  TiB,
  truncateId,
} from './units.js';

// Tables from github.com/docker/go-units size_test.go and duration_test.go.
describe('size (go-units size_test.go)', () => {
  it('BytesSize', () => {
    expect(bytesSize(1024)).toBe('1KiB');
    expect(bytesSize(1024 * 1024)).toBe('1MiB');
    expect(bytesSize(1048576)).toBe('1MiB');
    expect(bytesSize(2 * MiB)).toBe('2MiB');
    expect(bytesSize(3.42 * GiB)).toBe('3.42GiB');
    expect(bytesSize(5.372 * TiB)).toBe('5.372TiB');
    expect(bytesSize(2.22 * PiB)).toBe('2.22PiB');
    expect(bytesSize(KiB * KiB * KiB * KiB * KiB * PiB)).toBe('1.049e+06YiB');
  });

  it('HumanSize', () => {
    expect(humanSize(1000)).toBe('1kB');
    expect(humanSize(1024)).toBe('1.024kB');
    expect(humanSize(1000000)).toBe('1MB');
    expect(humanSize(1048576)).toBe('1.049MB');
    expect(humanSize(2 * MB)).toBe('2MB');
    expect(humanSize(3.42 * GB)).toBe('3.42GB');
    expect(humanSize(5.372 * TB)).toBe('5.372TB');
    expect(humanSize(2.22 * PB)).toBe('2.22PB');
    expect(humanSize(10000000000000 * PB)).toBe('1e+04YB');
  });

  it('HumanSizeWithPrecision as `docker images` SIZE uses it (precision 3, Go %.3g)', () => {
    expect(humanSizeWithPrecision(7_800_000, 3)).toBe('7.8MB');
    expect(humanSizeWithPrecision(123_456_789, 3)).toBe('123MB');
    expect(humanSizeWithPrecision(0, 3)).toBe('0B');
    expect(humanSizeWithPrecision(999, 3)).toBe('999B');
    // %.3g of 999.999 rounds to 1e+03: Docker really prints this.
    expect(humanSizeWithPrecision(999_999, 3)).toBe('1e+03kB');
  });

  it('FromHumanSize', () => {
    const ok: [string, number][] = [
      ['32', 32], ['32b', 32], ['32B', 32], ['32k', 32 * KB], ['32K', 32 * KB], ['32kb', 32 * KB], ['32Kb', 32 * KB],
      ['32Mb', 32 * MB], ['32Gb', 32 * GB], ['32Tb', 32 * TB], ['32Pb', 32 * PB],
      ['32.5kB', 32.5 * KB], ['32.5 kB', 32.5 * KB], ['32.5 B', 32], ['0.3 K', 300],
    ];
    for (const [s, n] of ok) expect(fromHumanSize(s), s).toBe(n);
    for (const s of ['', 'hello', '-32', '.3kB', ' 32 ', '32m b', '32bm']) {
      expect(() => fromHumanSize(s), s).toThrow(`invalid size: '${s}'`);
    }
  });

  it('RAMInBytes', () => {
    const ok: [string, number][] = [
      ['32', 32], ['32b', 32], ['32B', 32], ['32k', 32 * KiB], ['32K', 32 * KiB], ['32kb', 32 * KiB], ['32Kb', 32 * KiB],
      ['32Kib', 32 * KiB], ['32KIB', 32 * KiB], ['32Mb', 32 * MiB], ['32Gb', 32 * GiB], ['32Tb', 32 * TiB],
      ['32Pb', 32 * PiB], ['32PB', 32 * PiB], ['32P', 32 * PiB], ['32.3', 32],
      ['32.3 mb', Math.trunc(32.3 * MiB)], ['0.3MB', Math.trunc(0.3 * MiB)],
    ];
    for (const [s, n] of ok) expect(ramInBytes(s), s).toBe(n);
    for (const s of ['', 'hello', '-32', ' 32 ', '32m b', '32bm']) expect(() => ramInBytes(s), s).toThrow();
    expect(() => ramInBytes('1.2.3')).toThrow('strconv.ParseFloat: parsing "1.2.3": invalid syntax');
  });
});

describe('humanDuration (go-units duration_test.go)', () => {
  const second = 1000;
  const minute = 60 * second;
  const hour = 60 * minute;
  const day = 24 * hour;
  const week = 7 * day;
  const month = 30 * day;
  const year = 365 * day;
  const table: [number, string][] = [
    [450, 'Less than a second'],
    [1 * second, '1 second'],
    [45 * second, '45 seconds'],
    [46 * second, '46 seconds'],
    [59 * second, '59 seconds'],
    [60 * second, 'About a minute'],
    [1 * minute, 'About a minute'],
    [3 * minute, '3 minutes'],
    [35 * minute, '35 minutes'],
    [35 * minute + 40 * second, '35 minutes'],
    [45 * minute, '45 minutes'],
    [45 * minute + 40 * second, '45 minutes'],
    [46 * minute, '46 minutes'],
    [59 * minute, '59 minutes'],
    [1 * hour, 'About an hour'],
    [1 * hour + 29 * minute, 'About an hour'],
    [1 * hour + 31 * minute, '2 hours'],
    [1 * hour + 59 * minute, '2 hours'],
    [3 * hour, '3 hours'],
    [3 * hour + 29 * minute, '3 hours'],
    [3 * hour + 31 * minute, '4 hours'],
    [3 * hour + 59 * minute, '4 hours'],
    [3 * hour + 60 * minute, '4 hours'],
    [24 * hour, '24 hours'],
    [1 * day + 12 * hour, '36 hours'],
    [2 * day, '2 days'],
    [7 * day, '7 days'],
    [13 * day + 5 * hour, '13 days'],
    [2 * week, '2 weeks'],
    [2 * week + 4 * day, '2 weeks'],
    [3 * week, '3 weeks'],
    [4 * week, '4 weeks'],
    [4 * week + 3 * day, '4 weeks'],
    [1 * month, '4 weeks'],
    [1 * month + 2 * week, '6 weeks'],
    [2 * month, '2 months'],
    [2 * month + 2 * week, '2 months'],
    [3 * month, '3 months'],
    [3 * month + 1 * week, '3 months'],
    [5 * month + 2 * week, '5 months'],
    [13 * month, '13 months'],
    [23 * month, '23 months'],
    [24 * month, '24 months'],
    [24 * month + 2 * week, '2 years'],
    [3 * year + 2 * month, '3 years'],
  ];
  it.each(table)('%i ms → %s', (ms, expected) => expect(humanDuration(ms)).toBe(expected));

  it('treats negative durations (clock skew) as less than a second', () => {
    expect(humanDuration(-5 * minute)).toBe('Less than a second');
  });
});

describe('createdSince', () => {
  const now = new Date('2025-06-15T12:00:00.900Z');
  it('is humanDuration(now - created) + " ago", on whole seconds of the creation time', () => {
    expect(createdSince(new Date('2025-06-15T11:59:58.999Z'), now)).toBe('2 seconds ago');
    expect(createdSince(new Date('2025-06-01T12:00:00Z'), now)).toBe('2 weeks ago');
    expect(createdSince(new Date('1970-01-01T00:00:00Z'), now)).toBe('55 years ago');
  });
  it("is empty for Go's zero time, which Docker's table format shows as N/A", () => {
    expect(createdSince(new Date('0001-01-01T00:00:00Z'), now)).toBe('');
  });
});

describe('truncateId (stringid.TruncateID)', () => {
  it('drops the algorithm and keeps 12 characters', () => {
    expect(truncateId('sha256:90be70b3ec1a3e2c0d0f1d7e1e9b2b8f2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f')).toBe('90be70b3ec1a');
    expect(truncateId('90be70b3ec1a3e2c')).toBe('90be70b3ec1a');
    expect(truncateId('abc')).toBe('abc');
    expect(truncateId('sha512:abc')).toBe('abc');
  });
});
