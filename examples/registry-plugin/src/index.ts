// berth-plugin-dir-registry: an example third-party berth plugin. It provides `registry:dir`, an
// adapter that serves `dir.local/REPO:TAG` from OCI image layouts under a directory, so
// `berth push dir.local/team/app:1` writes ROOT/team/app and `berth pull` reads it back.
// berth loads it from its config file: { "plugins": ["berth-plugin-dir-registry"], "dirRegistry": { "root": "…" } }
import type { BerthPlugin } from '@berth/core';
import { DirRegistryAdapter } from './dir-registry.js';
import { dirRegistrySettings } from './settings.js';

const plugin: BerthPlugin = {
  name: 'berth-plugin-dir-registry',
  // The plugin API this was written for: a literal, so a berth speaking another one refuses it.
  apiVersion: 1,
  provides: ['registry:dir'],
  register(ctx) {
    ctx.provideRegistryAdapter('registry:dir', new DirRegistryAdapter(dirRegistrySettings(ctx.config)));
  },
};

export default plugin;
export { DirRegistryAdapter } from './dir-registry.js';
export { dirRegistrySettings, type DirRegistrySettings } from './settings.js';
export { hashPassword, verifyPassword } from './password.js';
