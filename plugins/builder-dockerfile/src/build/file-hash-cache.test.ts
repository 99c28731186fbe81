// Remembered file digests survive across builds, and one project's build keeps another's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileHashCache } from './file-hash-cache.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('openFileHashCache', () => {
  it('keeps what a build used and what earlier builds remembered', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
    const file = join(dir, 'build', 'file-hashes.json');
    const first = await openFileHashCache(file);
    expect(first.get('project-a/f')).toBeUndefined();
    first.set('project-a/f', 'aaa');
    await first.save();
    const second = await openFileHashCache(file);
    second.set('project-b/g', 'bbb');
    await second.save();
    const third = await openFileHashCache(file);
    expect(third.get('project-a/f')).toBe('aaa');
    expect(third.get('project-b/g')).toBe('bbb');
  });
});
