import { describe, expect, it } from 'vitest';
import type { Digest } from '@berth/core';
import { ManifestCache } from './manifest-cache.js';

const d = (n: number): Digest => `sha256:${String(n).padStart(64, '0')}` as Digest;
const entry = (size: number) => ({ bytes: Buffer.alloc(size, 1), mediaType: 'application/vnd.oci.image.manifest.v1+json' });

describe('ManifestCache', () => {
  it('keeps entries within its byte budget, dropping the least recently used first', () => {
    const cache = new ManifestCache(300);
    cache.set(d(1), entry(100));
    cache.set(d(2), entry(100));
    cache.set(d(3), entry(100));
    expect(cache.get(d(1))?.bytes.length).toBe(100); // 1 is now the most recent
    cache.set(d(4), entry(100));
    expect(cache.get(d(2))).toBeUndefined();
    expect([d(1), d(3), d(4)].map((x) => cache.get(x) !== undefined)).toEqual([true, true, true]);
  });

  it('does not take an entry larger than the whole budget', () => {
    const cache = new ManifestCache(50);
    cache.set(d(1), entry(51));
    expect(cache.get(d(1))).toBeUndefined();
  });
});
