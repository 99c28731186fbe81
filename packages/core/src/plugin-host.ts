// Loads plugins and checks them at start, as fastify checks its plugins: a wrong API version or
// a name/provider clash refuses to start with one clear line (ERR_PLUGIN).
import { BerthError } from './errors.js';
import { emptyBerthConfig, type BerthConfig } from './berth-config.js';
import type { RegistryAdapter } from './contracts/registry.js';
import type { ContainerRuntime, RuntimeFactoryOptions } from './contracts/runtime.js';
import { PLUGIN_API_VERSION, type BerthPlugin, type PluginContext, type StoreBackend, type StoreFactoryOptions } from './contracts/plugin.js';

type StoreFactory = (options: StoreFactoryOptions) => Promise<StoreBackend>;

/**
 * A built-in plugin declared at start but imported on first use (the registry client pulls in
 * undici, which `berth images` should not pay for). Declaring it reserves its name and provides,
 * so a third-party clash is refused at start all the same.
 */
export interface LazyPlugin {
  name: string;
  provides: string[];
  load(): Promise<BerthPlugin>;
}

interface RegisteredAdapter {
  adapter: RegistryAdapter;
  /** From a built-in plugin: asked only when no third-party adapter claims the host. */
  builtin: boolean;
}

export class PluginHost {
  private readonly plugins = new Map<string, BerthPlugin>();
  private readonly providers = new Map<string, string>();
  private readonly stores = new Map<string, StoreFactory>();
  private readonly registries: RegisteredAdapter[] = [];
  private readonly lazy = new Map<string, LazyPlugin>();
  private readonly builtins = new Set<string>();

  /** `config`: berth's config file, handed to every plugin as `ctx.config`. */
  constructor(private readonly config: BerthConfig = emptyBerthConfig()) {}
  private readonly runtimes = new Map<string, (options: RuntimeFactoryOptions) => Promise<ContainerRuntime>>();

  /** Reserves a built-in plugin's name and provides now; it is loaded when first needed. */
  declareLazy(lazy: LazyPlugin): void {
    this.checkClashes(lazy.name, lazy.provides);
    this.lazy.set(lazy.name, lazy);
    this.builtins.add(lazy.name);
    for (const p of lazy.provides) this.providers.set(p, lazy.name);
  }

  /** `builtin`: one of berth's own plugins, whose registry adapters come after third-party ones. */
  async register(plugin: BerthPlugin, options: { builtin?: boolean } = {}): Promise<void> {
    checkShape(plugin);
    this.checkClashes(plugin.name, plugin.provides);
    if (options.builtin) this.builtins.add(plugin.name);
    await this.registerChecked(plugin, options.builtin ?? false);
  }

  private checkClashes(name: string, provides: readonly string[]): void {
    if (this.builtins.has(name)) throw new BerthError('ERR_PLUGIN', `plugin ${name} clashes with berth's built-in plugin of that name`);
    if (this.plugins.has(name)) throw new BerthError('ERR_PLUGIN', `plugin ${name} is loaded twice`);
    for (const p of provides) {
      const owner = this.providers.get(p);
      if (owner) throw new BerthError('ERR_PLUGIN', `plugins ${owner} and ${name} both provide ${p}`);
    }
  }

  private async registerChecked(plugin: BerthPlugin, builtin: boolean): Promise<void> {
    const ctx: PluginContext = {
      config: this.config,
      provideStore: (given, factory) => {
        const name = given.replace(/^store:/, ''); // `fs` and `store:fs` name the same thing
        if (!plugin.provides.includes(`store:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides store:${name} without declaring it`);
        this.stores.set(name, factory);
      },
      provideRegistryAdapter: (given, adapter) => {
        const name = given.replace(/^registry:/, '');
        if (!plugin.provides.includes(`registry:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides registry:${name} without declaring it`);
        this.registries.push({ adapter, builtin });
      },
      provideRuntime: (given, factory) => {
        const name = given.replace(/^runtime:/, '');
        if (!plugin.provides.includes(`runtime:${name}`)) throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} provides runtime:${name} without declaring it`);
        this.runtimes.set(name, factory);
      },
    };
    try {
      await plugin.register(ctx);
    } catch (err) {
      if (err instanceof BerthError) throw err;
      throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} failed to register: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, { cause: err });
    }
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

  /**
   * The adapter for a registry host: the first loaded plugin that claims it, third-party plugins
   * before the built-in ones (the distribution adapter claims every host, so it must come last).
   * Lazy built-ins providing a registry adapter are loaded here, only when nothing else claims.
   */
  async registryAdapter(host: string): Promise<RegistryAdapter> {
    const claimed = this.claimingAdapter(host);
    if (claimed) return claimed;
    for (const lazy of [...this.lazy.values()]) {
      if (lazy.provides.some((p) => p.startsWith('registry:'))) await this.loadLazy(lazy);
    }
    const adapter = this.claimingAdapter(host);
    if (!adapter) throw new BerthError('ERR_PLUGIN', `no plugin provides a registry adapter for ${host}`);
    return adapter;
  }

  private claimingAdapter(host: string): RegistryAdapter | undefined {
    return (this.registries.find((r) => !r.builtin && r.adapter.claims(host)) ?? this.registries.find((r) => r.builtin && r.adapter.claims(host)))?.adapter;
  }

  private async loadLazy(lazy: LazyPlugin): Promise<void> {
    const plugin = await lazy.load();
    checkShape(plugin);
    // The declaration reserved these; a built-in that drifted from it is a berth bug, said plainly.
    if (plugin.name !== lazy.name || plugin.provides.join() !== lazy.provides.join()) {
      throw new BerthError('ERR_PLUGIN', `built-in plugin ${lazy.name} was declared as providing ${lazy.provides.join(', ')} but is ${plugin.name} providing ${plugin.provides.join(', ')}`);
    }
    this.lazy.delete(lazy.name);
    await this.registerChecked(plugin, true);
  }
}

function checkShape(plugin: BerthPlugin): void {
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || typeof plugin.register !== 'function' || !Array.isArray(plugin.provides)) {
    throw new BerthError('ERR_PLUGIN', 'plugin is not a berth plugin: it needs a name, an apiVersion, a provides list and a register function');
  }
  if (plugin.apiVersion !== PLUGIN_API_VERSION) {
    throw new BerthError('ERR_PLUGIN', `plugin ${plugin.name} was written for plugin API ${String(plugin.apiVersion)}, berth speaks ${PLUGIN_API_VERSION}`);
  }
}
