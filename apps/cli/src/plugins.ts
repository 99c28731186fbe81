// What the CLI composes: store-fs at start, the registry client only when a command talks to a
// registry, and the third-party plugins berth's config file names (none, at no cost, without one).
import type { compose, LazyPlugin } from '@berth/core';

/** Reserved at start so a third-party clash is refused at once; imported on first registry use. */
export const registryDistributionLazy: LazyPlugin = {
  name: '@berth/registry-distribution',
  provides: ['registry:distribution'],
  load: async () => (await import('@berth/registry-distribution')).registryDistributionPlugin,
};

export async function composeCli(root: string): ReturnType<typeof compose> {
  const [core, { storeFsPlugin }] = await Promise.all([import('@berth/core'), import('@berth/store-fs')]);
  return core.compose({ root, plugins: [storeFsPlugin], lazyPlugins: [registryDistributionLazy], config: await core.readBerthConfig() });
}
