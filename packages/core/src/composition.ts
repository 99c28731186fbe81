// The composition root both apps share: one tsyringe container per process, plugins registered
// and checked first, then the services built on what they provide. Tokens are explicit because
// esbuild (vitest) emits no decorator metadata.
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { BerthPlugin, StoreBackend } from './contracts/plugin.js';
import { PluginHost, type LazyPlugin } from './plugin-host.js';
import { loadConfiguredPlugins } from './plugin-loader.js';
import { emptyBerthConfig, type BerthConfig } from './berth-config.js';
import { BerthError } from './errors.js';
import { ImageService } from './images/image-service.js';
import { ContainerService } from './containers/service.js';

export const Tokens = {
  PluginHost: Symbol('PluginHost'),
  StoreBackend: Symbol('StoreBackend'),
  ImageService: Symbol('ImageService'),
  /** Registered when the store keeps container records (store-fs does). */
  ContainerService: Symbol('ContainerService'),
} as const;

export interface ComposeOptions {
  root: string;
  /** berth's own plugins, in load order. */
  plugins: BerthPlugin[];
  /** berth's own plugins imported on first use (the registry client); reserved at start. */
  lazyPlugins?: LazyPlugin[];
  /**
   * berth's config file (`readBerthConfig()`): the plugins it names are imported and registered
   * after the built-ins, so a clash names them; every plugin sees it as `ctx.config`.
   */
  config?: BerthConfig;
  store?: string;
}

export async function compose(options: ComposeOptions): Promise<DependencyContainer> {
  const c = rootContainer.createChildContainer();
  const host = new PluginHost(options.config);
  for (const p of options.plugins) await host.register(p, { builtin: true });
  for (const p of options.lazyPlugins ?? []) host.declareLazy(p);
  const configured = options.config ? await loadConfiguredPlugins(options.config) : [];
  for (const c of configured) {
    const name = 'lazy' in c ? c.lazy.name : c.plugin.name;
    try {
      if ('lazy' in c) host.declareLazy(c.lazy, { builtin: false });
      else await host.register(c.plugin);
    } catch (err) {
      // The host's message names the plugin; add the config entry when it says something else.
      if (err instanceof BerthError && c.spec !== name) throw new BerthError(err.code, `${err.message} (config entry ${c.spec})`, { cause: err });
      throw err;
    }
  }
  const backend = await host.openStore(options.store ?? 'fs', { root: options.root });
  c.register(Tokens.PluginHost, { useValue: host });
  c.register<StoreBackend>(Tokens.StoreBackend, { useValue: backend });
  const records = backend.containers;
  // rmi and image prune ask which images containers use; the runtime opens only when one runs.
  const images = new ImageService(backend, options.root, async () =>
    records ? (await records.list()).map((r) => ({ id: r.Id, imageId: r.Image, running: r.State.Running })) : [],
  );
  c.register(Tokens.ImageService, { useValue: images });
  if (records) c.register(Tokens.ContainerService, { useValue: new ContainerService(images, records, () => host.openRuntime({ root: options.root })) });
  return c;
}
