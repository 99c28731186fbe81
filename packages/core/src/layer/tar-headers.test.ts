// TarHeaderWalker against tar-stream: the same entries and the same errors, for tars in every
// format GNU tar writes, split at every kind of boundary, and for damaged ones.
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarHeaderWalker } from './tar-headers.js';

interface Seen { name: string; type: string | null; size: number; linkname: string | null; devmajor: number | null; devminor: number | null }
const pick = (h: { name: string; type?: string | null; size?: number; linkname?: string | null; devmajor?: number | null; devminor?: number | null }): Seen =>
  ({ name: h.name, type: h.type ?? null, size: h.size ?? 0, linkname: h.linkname ?? null, devmajor: h.devmajor ?? null, devminor: h.devminor ?? null });

/** Pieces of `size` bytes, so headers and records straddle writes. */
function pieces(tar: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < tar.length; at += size) out.push(tar.subarray(at, at + size));
  return out;
}

async function withTarStream(tar: Buffer, size: number): Promise<{ entries: Seen[]; error?: string }> {
  const entries: Seen[] = [];
  const x = extract({ allowUnknownFormat: true } as Parameters<typeof extract>[0]);
  x.on('error', () => {});
  x.on('entry', (h, body, next) => {
    entries.push(pick(h));
    body.on('error', () => {});
    body.on('end', () => next());
    body.resume();
  });
  try {
    await pipeline(Readable.from(pieces(tar, size)), x);
    return { entries };
  } catch (err) {
    return { entries, error: (err as Error).message };
  }
}

async function withWalker(tar: Buffer, size: number): Promise<{ entries: Seen[]; error?: string }> {
  const entries: Seen[] = [];
  try {
    await pipeline(Readable.from(pieces(tar, size)), new TarHeaderWalker((h) => entries.push(pick(h)), { allowUnknownFormat: true }));
    return { entries };
  } catch (err) {
    return { entries, error: (err as Error).message };
  }
}

async function expectSame(tar: Buffer): Promise<void> {
  for (const size of [tar.length, 512, 700, 1, 100_000]) {
    const walked = await withWalker(tar, size);
    expect(walked).toEqual(await withTarStream(tar, size));
  }
}

let dir: string;
let tree: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-tarheaders-'));
  tree = join(dir, 'tree');
  const deep = join(tree, 'a'.repeat(90), 'b'.repeat(90), 'c'.repeat(40));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, `${'long-name-'.repeat(12)}.txt`), 'x'.repeat(1300));
  await writeFile(join(tree, 'empty'), '');
  await writeFile(join(tree, 'exact'), Buffer.alloc(1024, 7));
  await writeFile(join(tree, 'ünïcödé name'), 'u');
  await symlink(`../${'t'.repeat(120)}/target`, join(tree, 'long-link'));
  await symlink('empty', join(tree, 'short-link'));
  await link(join(tree, 'exact'), join(tree, 'hard'));
  execFileSync('mkfifo', [join(tree, 'fifo')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tarOfTree = (format: string): Buffer => execFileSync('tar', [`--format=${format}`, '--sort=name', '-cf', '-', '-C', tree, '.'], { maxBuffer: 1 << 24 });

describe('TarHeaderWalker', () => {
  for (const format of ['gnu', 'oldgnu', 'pax', 'ustar', 'v7']) {
    it(`reads a ${format} tar as tar-stream does, however it is cut into pieces`, async () => {
      // ustar and v7 cannot hold the long names: GNU tar leaves those entries out and says so.
      const tar = format === 'ustar' || format === 'v7'
        ? execFileSync('sh', ['-c', `tar --format=${format} --sort=name -cf - -C '${tree}' . 2>/dev/null; true`], { maxBuffer: 1 << 24 })
        : tarOfTree(format);
      const { entries } = await withWalker(tar, 700);
      expect(entries.length).toBeGreaterThan(5);
      await expectSame(tar);
    });
  }

  it('sees long names, long link targets, hard links and fifos with their real values', async () => {
    const { entries, error } = await withWalker(tarOfTree('gnu'), 512);
    expect(error).toBeUndefined();
    expect(entries.find((e) => e.name.endsWith('.txt'))).toMatchObject({ type: 'file', size: 1300 });
    expect(entries.find((e) => e.name === './long-link')).toMatchObject({ type: 'symlink', linkname: `../${'t'.repeat(120)}/target` });
    expect(entries.find((e) => e.name === './hard' || e.name === './exact' )?.type).toMatch(/file|link/);
    expect(entries.find((e) => e.name === './fifo')?.type).toBe('fifo');
    expect(entries.find((e) => e.name === './ünïcödé name')?.type).toBe('file');
  });

  it('fails as tar-stream does on a bad checksum, a cut header, cut data, missing padding and garbage', async () => {
    const tar = tarOfTree('pax');
    const badSum = Buffer.from(tar);
    badSum[1024 + 3] ^= 0xff;
    await expectSame(badSum);
    await expectSame(tar.subarray(0, 512 + 100));
    // GNU's first entry is the bare directory: the cut falls inside the next header.
    await expectSame(tarOfTree('gnu').subarray(0, 512 + 100));
    expect((await withWalker(tarOfTree('gnu').subarray(0, 512 + 100), 512)).error).toBe('Unexpected end of data');
    await expectSame(tar.subarray(0, 3 * 512 + 7));
    const exact = tar.indexOf('./exact');
    await expectSame(tar.subarray(0, exact + 512 + 1024 - 1));
    await expectSame(Buffer.from('this is not a tar at all, just some text '.repeat(30)));
    const { error } = await withWalker(badSum, 512);
    expect(error).toMatch(/Invalid tar header/);
  });

  it('fails with the error the entry callback throws', async () => {
    const walker = new TarHeaderWalker((h) => {
      if (h.name.includes('fifo')) throw new Error(`refused ${h.name}`);
    }, { allowUnknownFormat: true });
    await expect(pipeline(Readable.from([tarOfTree('gnu')]), walker)).rejects.toThrow('refused ./fifo');
  });
});
