import { describe, expect, it } from 'vitest';
import { PluginHost } from './plugin-host.js';
import { PLUGIN_API_VERSION, type BerthPlugin } from './contracts/plugin.js';
import type { RegistryAdapter } from './contracts/registry.js';

function adapter(label: string, claims: (host: string) => boolean): RegistryAdapter & { label: string } {
  const no = (): Promise<never> => Promise.reject(new Error('not in this test'));
  return { label, claims, source: no, destination: no, tags: no, login: no };
}

function registryPlugin(name: string, provides: string, a: RegistryAdapter, apiVersion = PLUGIN_API_VERSION): BerthPlugin {
  return { name, apiVersion, provides: [provides], register: (ctx) => ctx.provideRegistryAdapter(provides, a) };
}

describe('PluginHost', () => {
  it('asks third-party adapters before a built-in one, whatever the load order, and loads a lazy built-in only when nothing claims', async () => {
    const host = new PluginHost();
    let loads = 0;
    const everything = adapter('distribution', () => true);
    host.declareLazy({ name: 'builtin-registry', provides: ['registry:distribution'], load: async () => (loads++, registryPlugin('builtin-registry', 'registry:distribution', everything)) });
    await host.register(registryPlugin('dir', 'registry:dir', adapter('dir', (h) => h === 'dir.local')));
    expect(((await host.registryAdapter('dir.local')) as { label: string }).label).toBe('dir');
    expect(loads).toBe(0);
    expect(((await host.registryAdapter('docker.io')) as { label: string }).label).toBe('distribution');
    expect(loads).toBe(1);
    // Registered after the built-in loaded, a third-party adapter still comes first.
    await host.register(registryPlugin('late', 'registry:late', adapter('late', (h) => h === 'late.example')));
    expect(((await host.registryAdapter('late.example')) as { label: string }).label).toBe('late');
    expect(((await host.registryAdapter('dir.local')) as { label: string }).label).toBe('dir');
  });

  it('refuses at start a plugin that clashes with a lazy built-in, by name or by what it provides', async () => {
    const host = new PluginHost();
    host.declareLazy({ name: '@berth/registry-distribution', provides: ['registry:distribution'], load: () => Promise.reject(new Error('never loaded')) });
    await expect(host.register(registryPlugin('@berth/registry-distribution', 'registry:other', adapter('x', () => false)))).rejects.toThrow("plugin @berth/registry-distribution clashes with berth's built-in plugin of that name");
    await expect(host.register(registryPlugin('mine', 'registry:distribution', adapter('x', () => false)))).rejects.toThrow('plugins @berth/registry-distribution and mine both provide registry:distribution');
  });

  it('refuses a wrong API version, a plugin loaded twice, a shapeless object and an undeclared provide, each as ERR_PLUGIN', async () => {
    const host = new PluginHost();
    await expect(host.register(registryPlugin('old', 'registry:old', adapter('x', () => false), 0))).rejects.toMatchObject({ code: 'ERR_PLUGIN', message: `plugin old was written for plugin API 0, berth speaks ${PLUGIN_API_VERSION}` });
    await host.register(registryPlugin('once', 'registry:once', adapter('x', () => false)));
    await expect(host.register(registryPlugin('once', 'registry:twice', adapter('x', () => false)))).rejects.toThrow('plugin once is loaded twice');
    await expect(host.register({} as BerthPlugin)).rejects.toMatchObject({ code: 'ERR_PLUGIN' });
    const sneaky: BerthPlugin = { name: 'sneaky', apiVersion: PLUGIN_API_VERSION, provides: [], register: (ctx) => ctx.provideRegistryAdapter('registry:s', adapter('s', () => true)) };
    await expect(host.register(sneaky)).rejects.toThrow('plugin sneaky provides registry:s without declaring it');
  });

  it('turns a plugin whose register throws a plain error into one ERR_PLUGIN line', async () => {
    const host = new PluginHost();
    const broken: BerthPlugin = { name: 'broken', apiVersion: PLUGIN_API_VERSION, provides: [], register: () => { throw new TypeError('x is undefined\n    at stack'); } };
    await expect(host.register(broken)).rejects.toMatchObject({ code: 'ERR_PLUGIN', message: 'plugin broken failed to register: x is undefined' });
  });
});

describe('PluginHost with third-party plugins declared by their package.json', () => {
  it('checks API version and clashes at declaration, imports only when a registry is asked for, and keeps config order', async () => {
    const host = new PluginHost();
    const loaded: string[] = [];
    const lazy = (name: string, claims: (h: string) => boolean) => ({
      name,
      apiVersion: PLUGIN_API_VERSION,
      provides: [`registry:${name}`],
      load: async () => (loaded.push(name), registryPlugin(name, `registry:${name}`, adapter(name, claims))),
    });
    host.declareLazy({ name: 'builtin', provides: ['registry:distribution'], load: async () => (loaded.push('builtin'), registryPlugin('builtin', 'registry:distribution', adapter('builtin', () => true))) });
    host.declareLazy(lazy('first', (h) => h === 'both.example'), { builtin: false });
    await host.register(registryPlugin('second', 'registry:second', adapter('second', (h) => h.endsWith('.example'))));
    expect(() => host.declareLazy({ ...lazy('future', () => false), apiVersion: 2 }, { builtin: false })).toThrow(`plugin future was written for plugin API 2, berth speaks ${PLUGIN_API_VERSION}`);
    expect(() => host.declareLazy(lazy('first', () => false), { builtin: false })).toThrow('plugin first is loaded twice');
    expect(loaded).toEqual([]);
    // `first` comes before `second` in the config, so it wins the host both claim, though loaded later.
    expect(((await host.registryAdapter('both.example')) as { label: string }).label).toBe('first');
    expect(((await host.registryAdapter('other.example')) as { label: string }).label).toBe('second');
    expect(loaded).toEqual(['first']);
    expect(((await host.registryAdapter('docker.io')) as { label: string }).label).toBe('builtin');
    expect(loaded).toEqual(['first', 'builtin']);
  });

  it('refuses a module that is not what its declaration said', async () => {
    const host = new PluginHost();
    host.declareLazy({ name: 'declared', apiVersion: PLUGIN_API_VERSION, provides: ['registry:declared'], load: async () => registryPlugin('other', 'registry:other', adapter('o', () => true)) }, { builtin: false });
    await expect(host.registryAdapter('x.example')).rejects.toThrow('plugin declared was declared as providing registry:declared but its module is other providing registry:other');
  });
});
