// Loads plugins and checks them at start, as fastify checks its plugins: a wrong API version or
// a name/provider clash refuses to start with one clear line (ERR_PLUGIN).
import { BerthError } from './errors.js';
import { emptyBerthConfig, type BerthConfig } from './berth-config.js';
import type { RegistryAdapter } from './contracts/registry.js';
import type { ContainerRuntime, RuntimeFactoryOptions } from './contracts/runtime.js';
import { PLUGIN_API_VERSION, type BerthPlugin, type PluginContext, type StoreBackend, type StoreFactoryOptions } from './contracts/plugin.js';

type StoreFactory = (options: StoreFactoryOptions) => Promise<StoreBackend>;

/**
 * A plugin declared at start but imported on first use: a built-in one whose code is costly (the
 * registry client pulls in undici), or a third-party one whose package.json declares it
 * (`berthPlugin`). Declaring it reserves its name and provides, so clashes are refused at start.
 */
export interface LazyPlugin {
  name: string;
  provides: string[];
  /** The plugin API it declares; built-ins leave it out (they speak the current one). */
  apiVersion?: number;
  load(): Promise<BerthPlugin>;
}

interface PendingPlugin {
  lazy: LazyPlugin;
  builtin: boolean;
  loading?: Promise<void>;
}

interface RegisteredAdapter {
  adapter: RegistryAdapter;
  owner: string;
  /** From a built-in plugin: asked only when no third-party adapter claims the host. */
  builtin: boolean;
}

export class PluginHost {
  private readonly plugins = new Map<string, BerthPlugin>();
  private readonly providers = new Map<string, string>();
  private readonly stores = new Map<string, StoreFactory>();
  private readonly registries: RegisteredAdapter[] = [];
  private readonly runtimes = new Map<string, (options: RuntimeFactoryOptions) => Promise<ContainerRuntime>>();
  private readonly pending = new Map<string, PendingPlugin>();
  private readonly builtins = new Set<string>();
  /** Declaration order (the config's order for third-party plugins): adapters are asked in it. */
  private readonly rank = new Map<string, number>();

  /** `config`: berth's config file, handed to every plugin as `ctx.config`. */
  constructor(private readonly config: BerthConfig = emptyBerthConfig()) {}

  /** Reserves a plugin's name and provides now; it is imported when something it provides is needed. */
  declareLazy(lazy: LazyPlugin, options: { builtin?: boolean } = { builtin: true }): void {
    if (lazy.apiVersion !== undefined) checkApiVersion(lazy.name, lazy.apiVersion);
    this.checkClashes(lazy.name, lazy.provides);
    const builtin = options.builtin ?? true;
    this.pending.set(lazy.name, { lazy, builtin });
    if (builtin) this.builtins.add(lazy.name);
    this.rank.set(lazy.name, this.rank.size);
    for (const p of lazy.provides) this.providers.set(p, lazy.name);
  }

  /** `builtin`: one of berth's own plugins, whose registry adapters come after third-party ones. */
  async register(plugin: BerthPlugin, options: { builtin?: boolean } = {}): Promise<void> {
    checkShape(plugin);
    this.checkClashes(plugin.name, plugin.provides);
    if (options.builtin) this.builtins.add(plugin.name);
    this.rank.set(plugin.name, this.rank.size);
    await this.registerChecked(plugin, options.builtin ?? false);
  }

  private checkClashes(name: string, provides: readonly string[]): void {
    if (this.builtins.has(name)) throw new BerthError('ERR_PLUGIN', `plugin ${name} clashes with berth's built-in plugin of that name`);
    if (this.plugins.has(name) || this.pending.has(name)) throw new BerthError('ERR_PLUGIN', `plugin ${name} is loaded twice`);
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
        this.registries.push({ adapter, owner: plugin.name, builtin });
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
    if (!this.stores.has(name)) await this.loadPending((p) => p.lazy.provides.includes(`store:${name}`));
    const factory = this.stores.get(name);
    if (!factory) throw new BerthError('ERR_PLUGIN', `no plugin provides store:${name}`);
    return factory(options);
  }

  /** The named runtime, or the first one loaded when no name is given. */
  async openRuntime(options: RuntimeFactoryOptions, name?: string): Promise<ContainerRuntime> {
    if (name ? !this.runtimes.has(name) : this.runtimes.size === 0) {
      await this.loadPending((p) => p.lazy.provides.some((x) => (name ? x === `runtime:${name}` : x.startsWith('runtime:'))));
    }
    const factory = name ? this.runtimes.get(name) : this.runtimes.values().next().value;
    if (!factory) throw new BerthError('ERR_PLUGIN', name ? `no plugin provides runtime:${name}` : 'no plugin provides a container runtime');
    return factory(options);
  }

  /**
   * The adapter for a registry host: the first third-party plugin (in config order) that claims
   * it, else a built-in one (the distribution adapter claims every host, so it must come last).
   * Pending plugins providing a registry adapter are imported here: third-party ones first, the
   * built-in ones only when no third-party adapter claims the host.
   */
  async registryAdapter(host: string): Promise<RegistryAdapter> {
    const providesRegistry = (p: PendingPlugin): boolean => p.lazy.provides.some((x) => x.startsWith('registry:'));
    await this.loadPending((p) => !p.builtin && providesRegistry(p));
    let adapter = this.claimingAdapter(host, false);
    if (!adapter) {
      await this.loadPending((p) => p.builtin && providesRegistry(p));
      adapter = this.claimingAdapter(host, true);
    }
    if (!adapter) throw new BerthError('ERR_PLUGIN', `no plugin provides a registry adapter for ${host}`);
    return adapter;
  }

  private claimingAdapter(host: string, builtin: boolean): RegistryAdapter | undefined {
    const rank = (r: RegisteredAdapter): number => this.rank.get(r.owner) ?? Infinity;
    return this.registries.filter((r) => r.builtin === builtin).sort((a, b) => rank(a) - rank(b)).find((r) => r.adapter.claims(host))?.adapter;
  }

  private async loadPending(which: (p: PendingPlugin) => boolean): Promise<void> {
    // In declaration order, one at a time: registration order is part of what users configure.
    for (const p of [...this.pending.values()].filter(which)) {
      p.loading ??= this.loadLazy(p);
      await p.loading;
    }
  }

  private async loadLazy({ lazy, builtin }: PendingPlugin): Promise<void> {
    const plugin = await lazy.load();
    checkShape(plugin);
    // The declaration reserved these names; a module that says otherwise is refused plainly.
    if (plugin.name !== lazy.name || plugin.provides.join() !== lazy.provides.join()) {
      throw new BerthError('ERR_PLUGIN', `plugin ${lazy.name} was declared as providing ${lazy.provides.join(', ')} but its module is ${plugin.name} providing ${plugin.provides.join(', ')}`);
    }
    this.pending.delete(lazy.name);
    await this.registerChecked(plugin, builtin);
  }
}

function checkShape(plugin: BerthPlugin): void {
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string' || typeof plugin.register !== 'function' || !Array.isArray(plugin.provides)) {
    throw new BerthError('ERR_PLUGIN', 'plugin is not a berth plugin: it needs a name, an apiVersion, a provides list and a register function');
  }
  checkApiVersion(plugin.name, plugin.apiVersion);
}

function checkApiVersion(name: string, apiVersion: unknown): void {
  if (apiVersion !== PLUGIN_API_VERSION) {
    throw new BerthError('ERR_PLUGIN', `plugin ${name} was written for plugin API ${String(apiVersion)}, berth speaks ${PLUGIN_API_VERSION}`);
  }
}
