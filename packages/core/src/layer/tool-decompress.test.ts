import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer as readAll } from 'node:stream/consumers';
import { tarOf } from './tar-fixture.test-support.js';
import { openUncompressed } from './compression.js';

/** `bytes` compressed by the real tool (`xz -c`, `bzip2 -c`, `zstd -c`). */
const compress = (tool: string, bytes: Buffer): Buffer => execFileSync(tool, ['-c', '-q'], { input: bytes, maxBuffer: 64 << 20 });
const archive = { kind: 'archive', what: 'archive A' } as const;
const savedPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = savedPath;
});

describe('xz, bzip2 and zstd archives', () => {
  it.each(['xz', 'bzip2', 'zstd'] as const)('%s: the tar comes back byte for byte, across tiny chunks', async (tool) => {
    // Incompressible content, so the compressed stream spans many reads and pipe buffers.
    const tar = await tarOf([{ name: 'a', body: randomBytes(300_000) }, { name: 'b/c', body: 'text\n'.repeat(5000) }]);
    const packed = compress(tool, tar);
    const pieces = [packed.subarray(0, 3), packed.subarray(3, 7), packed.subarray(7)];
    const { stream, compression } = await openUncompressed(Readable.from(pieces), archive);
    expect(compression).toBe(tool);
    expect((await readAll(stream)).equals(tar)).toBe(true);
  });

  it.each(['xz', 'bzip2', 'zstd'] as const)('%s: a truncated stream is a one-line ERR_ARCHIVE_INVALID, not a short tar', async (tool) => {
    const packed = compress(tool, await tarOf([{ name: 'a', body: randomBytes(200_000) }]));
    const { stream } = await openUncompressed(Readable.from([packed.subarray(0, packed.length - 100)]), archive);
    const err = await readAll(stream).then(() => undefined, (e: unknown) => e as Error & { code?: string });
    expect(err?.code).toBe('ERR_ARCHIVE_INVALID');
    expect(err?.message).toMatch(new RegExp(`^archive A: corrupt or truncated ${tool} stream \\(.+\\)$`));
    expect(err?.message).not.toContain('\n');
  });

  it('corrupt bytes after the magic are refused with the tool\'s reason', async () => {
    const packed = compress('xz', await tarOf([{ name: 'a', body: 'x' }]));
    const bad = Buffer.concat([packed.subarray(0, 12), Buffer.alloc(64, 0xaa)]);
    const { stream } = await openUncompressed(Readable.from([bad]), archive);
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID', message: expect.stringMatching(/^archive A: corrupt or truncated xz stream \(xz: .+\)$/) });
  });

  it('says which package to install when the tool is missing', async () => {
    const packed = compress('bzip2', await tarOf([{ name: 'a', body: 'x' }]));
    process.env.PATH = '/nonexistent';
    const { stream } = await openUncompressed(Readable.from([packed]), archive);
    await expect(readAll(stream)).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED',
      message: 'archive A: bzip2-compressed, and bzip2 is not installed to read it (Debian: apt-get install bzip2)',
    });
  });

  it('a reader that stops early stops the tool and the input', async () => {
    const packed = compress('zstd', await tarOf([{ name: 'a', body: randomBytes(4 << 20) }]));
    const input = Readable.from([packed.subarray(0, 1 << 20), packed.subarray(1 << 20)]);
    const { stream } = await openUncompressed(input, archive);
    await new Promise((r) => stream.once('data', r));
    stream.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(input.destroyed).toBe(true);
  });

  it('a layer may be zstd (OCI tar+zstd), with ERR_LAYER_INVALID for a truncated one; not xz', async () => {
    const tar = await tarOf([{ name: 'a', body: randomBytes(100_000) }]);
    const packed = compress('zstd', tar);
    const { stream, compression } = await openUncompressed(Readable.from([packed]), { what: 'layer L' });
    expect(compression).toBe('zstd');
    expect((await readAll(stream)).equals(tar)).toBe(true);
    const cut = await openUncompressed(Readable.from([packed.subarray(0, 5000)]), { what: 'layer L' });
    await expect(readAll(cut.stream)).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: expect.stringMatching(/^layer L: corrupt or truncated zstd stream/) });
    await expect(openUncompressed(Readable.from([compress('xz', tar)]))).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', message: 'xz-compressed layers are not supported' });
  });
});
