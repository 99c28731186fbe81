import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openUncompressed } from './compression.js';

/** `bytes` cut into pieces from 1 byte to 3 MiB, so the 1 MiB buffers fill across pieces and within one. */
function pieces(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = [1, 65_536, 3 << 20, 7, 900_000][i % 5]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('openUncompressed through ZlibFeed', () => {
  it('gives back every byte, whatever the size of the pieces (buffers are reused, not shared)', async () => {
    // Half incompressible, half text: stored and compressed deflate blocks.
    const plain = Buffer.concat([randomBytes(6 << 20), Buffer.from('layer text\n'.repeat(500_000))]);
    const { stream, compression } = await openUncompressed(Readable.from(pieces(gzipSync(plain))));
    expect(compression).toBe('gzip');
    expect((await readAll(stream)).equals(plain)).toBe(true);
  });

  it('passes on the input failing midway', async () => {
    const gz = gzipSync(randomBytes(4 << 20));
    const input = Readable.from((async function* () {
      yield gz.subarray(0, 3 << 20);
      throw new Error('connection reset');
    })());
    const { stream } = await openUncompressed(input);
    await expect(readAll(stream)).rejects.toThrow('connection reset');
  });

  it('stops the input when the reader gives up', async () => {
    const gz = gzipSync(randomBytes(8 << 20));
    const input = Readable.from(pieces(gz));
    const { stream } = await openUncompressed(input);
    const reader = new Writable({ write: (_c, _e, cb) => cb(new Error('refused by the reader')) });
    await expect(pipeline(stream, reader)).rejects.toThrow('refused by the reader');
    await new Promise((r) => setTimeout(r, 50));
    expect(input.destroyed).toBe(true);
  });

  it('reports a truncated gzip as such', async () => {
    const gz = gzipSync(randomBytes(3 << 20));
    const { stream } = await openUncompressed(Readable.from(pieces(gz.subarray(0, gz.length - 100))), { what: 'layer L' });
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: 'layer L: unexpected EOF: the gzip stream is truncated' });
  });
});
