// The store-fs plugin: provides `store:fs`, the embedded local store, to a berth app.
import { PLUGIN_API_VERSION, type BerthPlugin } from '@berth/core';
import { openFsStore } from './fs-store.js';

export const storeFsPlugin: BerthPlugin = {
  name: '@berth/store-fs',
  apiVersion: PLUGIN_API_VERSION,
  provides: ['store:fs'],
  register(ctx) {
    ctx.provideStore('store:fs', (options) => openFsStore(options));
  },
};
