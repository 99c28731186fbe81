// The reserve: spent only by a commit that frees space and found the disk full, and only once.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BerthError } from '@berth/core';
import { codeOf } from '@berth/testkit';
import { RESERVE_BYTES, ensureReserve, withReserve } from './reserve.js';

let dir: string;
let reserve: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-reserve-'));
  reserve = join(dir, 'reserve');
  await ensureReserve(reserve);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);
const noSpace = (): BerthError => new BerthError('ERR_NO_SPACE', 'no space left on device while writing index.json');

describe('the store reserve', () => {
  it('is made once, at its size, and left alone when it is there', async () => {
    expect((await stat(reserve)).size).toBe(RESERVE_BYTES);
    await writeFile(reserve, 'kept');
    await ensureReserve(reserve);
    expect((await stat(reserve)).size).toBe(4);
  });

  it('a commit that frees space and finds the disk full gives the reserve up and commits once more', async () => {
    let attempts = 0;
    const result = await withReserve(reserve, true, async () => {
      attempts++;
      if (attempts === 1) throw noSpace();
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(attempts).toBe(2);
    expect(await exists(reserve)).toBe(false);
  });

  it('is not spent on a commit that adds, nor on other failures, nor twice', async () => {
    expect(await codeOf(withReserve(reserve, false, async () => Promise.reject(noSpace())))).toBe('ERR_NO_SPACE');
    expect(await exists(reserve)).toBe(true);
    expect(await codeOf(withReserve(reserve, true, async () => Promise.reject(new BerthError('ERR_STORE_LOCKED', 'locked'))))).toBe('ERR_STORE_LOCKED');
    expect(await exists(reserve)).toBe(true);
    let attempts = 0;
    expect(await codeOf(withReserve(reserve, true, async () => {
      attempts++;
      throw noSpace();
    }))).toBe('ERR_NO_SPACE');
    expect(attempts).toBe(2);
    // Spent: the next full disk is the caller's.
    attempts = 0;
    expect(await codeOf(withReserve(reserve, true, async () => {
      attempts++;
      throw noSpace();
    }))).toBe('ERR_NO_SPACE');
    expect(attempts).toBe(1);
  });
});
