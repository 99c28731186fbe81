import { describe, expect, it } from 'vitest';
import { registryDistributionPlugin } from '@berth/registry-distribution';
import { registryDistributionLazy } from './plugins.js';

describe('CLI plugins', () => {
  it('declares the lazy registry plugin with the name and provides it really has', async () => {
    const loaded = await registryDistributionLazy.load();
    expect(loaded).toBe(registryDistributionPlugin);
    expect([registryDistributionLazy.name, registryDistributionLazy.provides]).toEqual([loaded.name, loaded.provides]);
  });
});
