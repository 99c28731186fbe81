// The registry-distribution plugin: provides `registry:distribution`, the default adapter.
import { PLUGIN_API_VERSION, type BerthPlugin } from '@berth/core';
import { DistributionAdapter } from './distribution-adapter.js';
import { registriesConfig } from './registries-config.js';

export const registryDistributionPlugin: BerthPlugin = {
  name: '@berth/registry-distribution',
  apiVersion: PLUGIN_API_VERSION,
  provides: ['registry:distribution'],
  register(ctx) {
    // Mirrors and insecure hosts are this plugin's keys of berth's config file (docs/registries.md).
    ctx.provideRegistryAdapter('registry:distribution', new DistributionAdapter({ registries: registriesConfig(ctx.config) }));
  },
};
