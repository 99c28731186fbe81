import { describe, expect, it } from 'vitest';
import { parseChunkRange, parseRangeHeader, uploadRange } from './byte-range.js';

describe('parseRangeHeader (RFC 9110 single byte ranges)', () => {
  it('reads first-last, open-ended and suffix ranges, clamping the end to the blob', () => {
    expect(parseRangeHeader('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });
  it('answers unsatisfiable for a start past the end', () => {
    expect(parseRangeHeader('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=5-2', 100)).toBe('unsatisfiable');
  });
  it('ignores what it does not serve: no header, several ranges, other units', () => {
    expect(parseRangeHeader(undefined, 100)).toBeUndefined();
    expect(parseRangeHeader('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRangeHeader('items=0-1', 100)).toBeUndefined();
  });
});

describe('upload ranges (OCI dist-spec)', () => {
  it('parses the spec form and the forms older clients send', () => {
    expect(parseChunkRange('0-4')).toEqual({ start: 0, end: 4 });
    expect(parseChunkRange('bytes 5-9/10')).toEqual({ start: 5, end: 9 });
    expect(parseChunkRange('9-5')).toBe('invalid');
    expect(parseChunkRange('abc')).toBe('invalid');
    expect(parseChunkRange(undefined)).toBeUndefined();
  });
  it('reports 0-<last byte>, and 0-0 for an empty upload as distribution does', () => {
    expect(uploadRange(0)).toBe('0-0');
    expect(uploadRange(10)).toBe('0-9');
  });
});
