// The plugin contract: a plugin names itself, declares the API it was written for, and
// registers what it provides. Loading checks both and refuses with one clear line.
import type { BerthConfig } from '../berth-config.js';
import type { ContentStore } from './content-store.js';
import type { MetadataStore } from './metadata-store.js';
import type { RegistryAdapter } from './registry.js';
import type { ContainerRuntime, RuntimeFactoryOptions } from './runtime.js';
import type { ContainerStore } from './containers.js';

export const PLUGIN_API_VERSION = 1;

export interface StoreBackend {
  content: ContentStore;
  metadata: MetadataStore;
  /** Container records (`run`, `ps`, `commit`…); a backend without them has no containers. */
  containers?: ContainerStore;
  /** Where the backend lives, for messages and `system df`. */
  describe(): string;
  /** Physical bytes used by blobs (shared layers counted once). */
  physicalSize(): Promise<number>;
}

export interface StoreFactoryOptions {
  root: string;
}

export interface PluginContext {
  /** berth's config file; a plugin reads its own key with `configSection(ctx.config, key, check, fallback)`. */
  readonly config: BerthConfig;
  provideStore(name: string, factory: (options: StoreFactoryOptions) => Promise<StoreBackend>): void;
  /** Declared as `registry:<name>` in `provides`; the first loaded adapter claiming a host serves it. */
  provideRegistryAdapter(name: string, adapter: RegistryAdapter): void;
  /** Declared as `runtime:<name>` in `provides`. */
  provideRuntime(name: string, factory: (options: RuntimeFactoryOptions) => Promise<ContainerRuntime>): void;
}

export interface BerthPlugin {
  name: string;
  apiVersion: number;
  /** Names of what it provides, e.g. `store:fs`; a clash with a loaded plugin is refused. */
  provides: string[];
  register(ctx: PluginContext): void | Promise<void>;
}
