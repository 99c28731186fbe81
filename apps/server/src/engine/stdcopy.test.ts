import { describe, expect, it } from 'vitest';
import { stdContentType, stdFrame } from './stdcopy.js';

describe('stdFrame', () => {
  it('puts moby stdcopy headers before each piece: stream byte, three zeros, big-endian length', () => {
    const f = stdFrame('stderr', Buffer.from('oops\n'), false);
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 5]);
    expect(f.subarray(8).toString()).toBe('oops\n');
    expect(stdFrame('stdout', Buffer.alloc(70_000), false).readUInt32BE(4)).toBe(70_000);
    expect(stdFrame('stdout', Buffer.from('x'), false)[0]).toBe(1);
  });

  it('sends a TTY container output raw, under the raw-stream content type', () => {
    expect(stdFrame('stdout', Buffer.from('hi\r\n'), true).toString()).toBe('hi\r\n');
    expect(stdContentType(true)).toBe('application/vnd.docker.raw-stream');
    expect(stdContentType(false)).toBe('application/vnd.docker.multiplexed-stream');
  });
});
