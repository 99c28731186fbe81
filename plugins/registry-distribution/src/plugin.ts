// The registry-distribution plugin: provides `registry:distribution`, the default adapter.
import { PLUGIN_API_VERSION, type BerthPlugin } from '@berth/core';
import { DistributionAdapter } from './distribution-adapter.js';

export const registryDistributionPlugin: BerthPlugin = {
  name: '@berth/registry-distribution',
  apiVersion: PLUGIN_API_VERSION,
  provides: ['registry:distribution'],
  register(ctx) {
    ctx.provideRegistryAdapter('registry:distribution', new DistributionAdapter());
  },
};
