// Loads plugins and checks them at start, as fastify checks its plugins: a wrong API version or
// a name/provider clash refuses to start with one clear line (ERR_PLUGIN).
import { BerthError } from './errors.js';
import type { RegistryAdapter } from './contracts/registry.js';
import type { ContainerRuntime, RuntimeFactoryOptions } from './contracts/runtime.js';
import { PLUGIN_API_VERSION, type BerthPlugin, type PluginContext, type StoreBackend, type StoreFactoryOptions } from './contracts/plugin.js';

type StoreFactory = (options: StoreFactoryOptions) => Promise<StoreBackend>;

export class PluginHost {
  private readonly plugins = new Map<string, BerthPlugin>();
  private readonly providers = new Map<string, string>();
  private readonly stores = new Map<string, StoreFactory>();
  private readonly registries: RegistryAdapter[] = [];
  private readonly runtimes = new Map<string, (options: RuntimeFactoryOptions) => Promise<ContainerRuntime>>();

  async register(plugin: BerthPlugin): Promise<void> {
    if (!plugin || typeof plugin.name !== 'string' || typeof plugin.register !== 'function') {
      throw new BerthError('ERR_PLUGIN', 'plugin is not a berth plugin: it needs a name, an apiVersion and a register function');
    }
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} was written for plugin API ${plugin.apiVersion}, berth speaks ${PLUGIN_API_VERSION}`);
    }
    if (this.plugins.has(plugin.name)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} is loaded twice`);
    for (const p of plugin.provides) {
      const owner = this.providers.get(p);
      if (owner) throw new BerthError('ERR_PLUGIN', `plugins ${owner} and ${plugin.name} both provide ${p}`);
    }
    const ctx: PluginContext = {
      provideStore: (given, factory) => {
        const name = given.replace(/^store:/, ''); // `fs` and `store:fs` name the same thing
        if (!plugin.provides.includes(`store:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides store:${name} without declaring it`);
        this.stores.set(name, factory);
      },
      provideRegistryAdapter: (given, adapter) => {
        const name = given.replace(/^registry:/, '');
        if (!plugin.provides.includes(`registry:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides registry:${name} without declaring it`);
        this.registries.push(adapter);
      },
      provideRuntime: (given, factory) => {
        const name = given.replace(/^runtime:/, '');
        if (!plugin.provides.includes(`runtime:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides runtime:${name} without declaring it`);
        this.runtimes.set(name, factory);
      },
    };
    await plugin.register(ctx);
    this.plugins.set(plugin.name, plugin);
    for (const p of plugin.provides) this.providers.set(p, plugin.name);
  }

  async openStore(name: string, options: StoreFactoryOptions): Promise<StoreBackend> {
    const factory = this.stores.get(name);
    if (!factory) throw new BerthError('ERR_PLUGIN', `no plugin provides store:${name}`);
    return factory(options);
  }

  /** The named runtime, or the first one loaded when no name is given. */
  async openRuntime(options: RuntimeFactoryOptions, name?: string): Promise<ContainerRuntime> {
    const factory = name ? this.runtimes.get(name) : this.runtimes.values().next().value;
    if (!factory) throw new BerthError('ERR_PLUGIN', name ? `no plugin provides runtime:${name}` : 'no plugin provides a container runtime');
    return factory(options);
  }

  /** The adapter for a registry host: the first loaded plugin that claims it. */
  registryAdapter(host: string): RegistryAdapter {
    const adapter = this.registries.find((a) => a.claims(host));
    if (!adapter) throw new BerthError('ERR_PLUGIN', `no plugin provides a registry adapter for ${host}`);
    return adapter;
  }
}
