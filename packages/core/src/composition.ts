// The composition root both apps share: one tsyringe container per process, plugins registered
// and checked first, then the services built on what they provide. Tokens are explicit because
// esbuild (vitest) emits no decorator metadata.
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { BerthPlugin, StoreBackend } from './contracts/plugin.js';
import { PluginHost } from './plugin-host.js';
import { ImageService } from './images/image-service.js';

export const Tokens = {
  PluginHost: Symbol('PluginHost'),
  StoreBackend: Symbol('StoreBackend'),
  ImageService: Symbol('ImageService'),
} as const;

export interface ComposeOptions {
  root: string;
  /** Plugins in load order; the first one providing `store:<store>` serves the store. */
  plugins: BerthPlugin[];
  store?: string;
}

export async function compose(options: ComposeOptions): Promise<DependencyContainer> {
  const c = rootContainer.createChildContainer();
  const host = new PluginHost();
  for (const p of options.plugins) await host.register(p);
  const backend = await host.openStore(options.store ?? 'fs', { root: options.root });
  c.register(Tokens.PluginHost, { useValue: host });
  c.register<StoreBackend>(Tokens.StoreBackend, { useValue: backend });
  c.register(Tokens.ImageService, { useValue: new ImageService(backend, options.root) });
  return c;
}
