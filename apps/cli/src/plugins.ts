// What the CLI composes: store-fs at start, the registry client only when a command talks to a
// registry, and the third-party plugins berth's config file names (none, at no cost, without one).
import type { compose, LazyPlugin } from '@berth/core';

/** Reserved at start so a third-party clash is refused at once; imported on first registry use. */
export const registryDistributionLazy: LazyPlugin = {
  name: '@berth/registry-distribution',
  provides: ['registry:distribution'],
  load: async () => (await import('@berth/registry-distribution')).registryDistributionPlugin,
};

/** The container runtime (runc/crun): imported only by what runs processes (RUN, run, commit). */
export const runtimeOciLazy: LazyPlugin = {
  name: '@berth/runtime-oci',
  provides: ['runtime:oci'],
  load: async () => (await import('@berth/runtime-oci')).runtimeOciPlugin,
};

export async function composeCli(root: string): ReturnType<typeof compose> {
  const [core, { storeFsPlugin }] = await Promise.all([import('@berth/core'), import('@berth/store-fs')]);
  return core.compose({ root, plugins: [storeFsPlugin], lazyPlugins: [registryDistributionLazy, runtimeOciLazy], config: await core.readBerthConfig() });
}
