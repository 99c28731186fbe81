// The runtime-oci plugin: provides `runtime:oci`, containers run by runc or crun.
import { PLUGIN_API_VERSION, type BerthPlugin } from '@berth/core';
import { openOciRuntime } from './runtime.js';

export const runtimeOciPlugin: BerthPlugin = {
  name: '@berth/runtime-oci',
  apiVersion: PLUGIN_API_VERSION,
  provides: ['runtime:oci'],
  register(ctx) {
    ctx.provideRuntime('runtime:oci', (options) => openOciRuntime(options));
  },
};
