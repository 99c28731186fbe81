// The composition root both apps share: one tsyringe container per process, plugins registered
// and checked first, then the services built on what they provide. Tokens are explicit because
// esbuild (vitest) emits no decorator metadata.
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { BerthPlugin, StoreBackend } from './contracts/plugin.js';
import { PluginHost, type LazyPlugin } from './plugin-host.js';
import type { ConfiguredPlugin } from './plugin-loader.js';
import { BerthError } from './errors.js';
import { ImageService } from './images/image-service.js';

export const Tokens = {
  PluginHost: Symbol('PluginHost'),
  StoreBackend: Symbol('StoreBackend'),
  ImageService: Symbol('ImageService'),
} as const;

export interface ComposeOptions {
  root: string;
  /** berth's own plugins, in load order. */
  plugins: BerthPlugin[];
  /** berth's own plugins imported on first use (the registry client); reserved at start. */
  lazyPlugins?: LazyPlugin[];
  /** Plugins from berth's config file, registered after the built-ins so a clash names them. */
  configured?: ConfiguredPlugin[];
  store?: string;
}

export async function compose(options: ComposeOptions): Promise<DependencyContainer> {
  const c = rootContainer.createChildContainer();
  const host = new PluginHost();
  for (const p of options.plugins) await host.register(p, { builtin: true });
  for (const p of options.lazyPlugins ?? []) host.declareLazy(p);
  for (const { spec, plugin } of options.configured ?? []) {
    try {
      await host.register(plugin);
    } catch (err) {
      // The host's message names the plugin; add the config entry when it says something else.
      if (err instanceof BerthError && spec !== plugin.name) throw new BerthError(err.code, `${err.message} (config entry ${spec})`, { cause: err });
      throw err;
    }
  }
  const backend = await host.openStore(options.store ?? 'fs', { root: options.root });
  c.register(Tokens.PluginHost, { useValue: host });
  c.register<StoreBackend>(Tokens.StoreBackend, { useValue: backend });
  c.register(Tokens.ImageService, { useValue: new ImageService(backend, options.root) });
  return c;
}
