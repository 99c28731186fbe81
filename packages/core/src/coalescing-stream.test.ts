import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CoalescingStream } from './coalescing-stream.js';

async function pieces(input: Buffer[], target: number): Promise<Buffer[]> {
  // 'data' events see each pushed piece (an async iterator's read() would join what is buffered).
  const out: Buffer[] = [];
  const s = Readable.from(input).pipe(new CoalescingStream(target));
  s.on('data', (c: Buffer) => out.push(c));
  await finished(s);
  return out;
}

describe('CoalescingStream', () => {
  it('joins small pieces up to the target, keeps the bytes in order and flushes the rest at the end', async () => {
    const input = Array.from({ length: 10 }, (_, i) => Buffer.alloc(300, i));
    const out = await pieces(input, 1000);
    expect(out.map((b) => b.length)).toEqual([1200, 1200, 600]);
    expect(Buffer.concat(out).equals(Buffer.concat(input))).toBe(true);
  });

  it('passes a piece as large as the target through without copying', async () => {
    const big = Buffer.alloc(2048, 1);
    const out = await pieces([big, Buffer.from('x')], 1024);
    expect(out[0]).toBe(big);
    expect(out.map((b) => b.length)).toEqual([2048, 1]);
  });
});
