import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguredPlugins, loadPlugin, resolvePluginEntry } from './plugin-loader.js';
import { parseBerthConfig } from './berth-config.js';

// A plugin module as a third party ships it: plain ESM, a default export.
const pluginSource = (name: string, apiVersion = 1): string =>
  `export default { name: ${JSON.stringify(name)}, apiVersion: ${apiVersion}, provides: [], register() {} };\n`;

describe('plugin loader', () => {
  let dir: string;
  let global: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-plugins-'));
    global = join(dir, 'global', 'lib', 'node_modules');
    // A package in the config directory's node_modules, entry through exports conditions.
    await mkdir(join(dir, 'cfg', 'node_modules', '@acme', 'berth-dir', 'dist'), { recursive: true });
    await writeFile(join(dir, 'cfg', 'node_modules', '@acme', 'berth-dir', 'package.json'), JSON.stringify({ name: '@acme/berth-dir', type: 'module', exports: { '.': { types: './dist/x.d.ts', import: './dist/index.js' }, './other': './other.js' } }));
    await writeFile(join(dir, 'cfg', 'node_modules', '@acme', 'berth-dir', 'dist', 'index.js'), pluginSource('@acme/berth-dir'));
    // A package only in the global node_modules, entry through main.
    await mkdir(join(global, 'berth-global'), { recursive: true });
    await writeFile(join(global, 'berth-global', 'package.json'), JSON.stringify({ name: 'berth-global', type: 'module', main: 'main.js' }));
    await writeFile(join(global, 'berth-global', 'main.js'), pluginSource('berth-global'));
    // A path next to the config, and a module that is not a plugin.
    await mkdir(join(dir, 'cfg', 'local'), { recursive: true });
    await writeFile(join(dir, 'cfg', 'local', 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(dir, 'cfg', 'local', 'index.js'), 'export const plugin = ' + pluginSource('local').replace('export default ', ''));
    await writeFile(join(dir, 'cfg', 'not-a-plugin.mjs'), 'export default { hello: 1 };\n');
    await writeFile(join(dir, 'cfg', 'throws.mjs'), 'throw new Error("boom at import");\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads, in config order, a package from the config directory, one from the global prefix, and a relative path', async () => {
    const config = parseBerthConfig(JSON.stringify({ plugins: ['@acme/berth-dir', 'berth-global', './local'] }), join(dir, 'cfg', 'config.json'));
    const loaded = await loadConfiguredPlugins(config, { globalDirs: [global] });
    expect(loaded.map((l) => [l.spec, l.plugin.name])).toEqual([['@acme/berth-dir', '@acme/berth-dir'], ['berth-global', 'berth-global'], ['./local', 'local']]);
  });

  it('resolves a package from a parent directory node_modules, as Node does', async () => {
    await mkdir(join(dir, 'cfg', 'sub'), { recursive: true });
    expect(await resolvePluginEntry('@acme/berth-dir', { baseDir: join(dir, 'cfg', 'sub'), globalDirs: [] })).toBe(join(dir, 'cfg', 'node_modules', '@acme', 'berth-dir', 'dist', 'index.js'));
  });

  it('says where it looked and how to install a missing package, in one line', async () => {
    const err = await loadPlugin('berth-missing', { baseDir: join(dir, 'cfg'), globalDirs: [global] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PLUGIN' });
    expect((err as Error).message).toBe(`plugin berth-missing not found in ${join(dir, 'cfg', 'node_modules')} (or a parent's) nor in ${global}: install it with 'npm install --prefix ${join(dir, 'cfg')} berth-missing'`);
  });

  it('refuses a missing path, a module that is not a plugin, one that throws, and a name that is no package name', async () => {
    const opts = { baseDir: join(dir, 'cfg'), globalDirs: [global] };
    await expect(loadPlugin('./nope', opts)).rejects.toThrow(`plugin ./nope not found: ${join(dir, 'cfg', 'nope')} does not exist`);
    await expect(loadPlugin('./not-a-plugin.mjs', opts)).rejects.toThrow('plugin ./not-a-plugin.mjs is not a berth plugin: its default export needs a name, an apiVersion, a provides list and a register function');
    await expect(loadPlugin('./throws.mjs', opts)).rejects.toThrow(/^plugin \.\/throws\.mjs failed to load from .*throws\.mjs: boom at import$/);
    await expect(loadPlugin('Not A Name', opts)).rejects.toThrow('plugin "Not A Name" is neither an npm package name nor a path');
  });

  it('reads a package that declares berthPlugin in its package.json without importing it until load()', async () => {
    const pkg = join(dir, 'cfg', 'node_modules', 'berth-declared');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'berth-declared', type: 'module', main: 'index.js', berthPlugin: { name: 'berth-declared', apiVersion: 1, provides: ['registry:declared'] } }));
    await writeFile(join(pkg, 'index.js'), 'globalThis.berthDeclaredImported = true;\n' + pluginSource('berth-declared'));
    const [declared] = await loadConfiguredPlugins(parseBerthConfig('{"plugins":["berth-declared"]}', join(dir, 'cfg', 'config.json')), { globalDirs: [] });
    expect(declared && 'lazy' in declared ? [declared.lazy.name, declared.lazy.apiVersion, declared.lazy.provides] : declared).toEqual(['berth-declared', 1, ['registry:declared']]);
    expect((globalThis as { berthDeclaredImported?: boolean }).berthDeclaredImported).toBeUndefined();
    if (declared && 'lazy' in declared) expect((await declared.lazy.load()).name).toBe('berth-declared');
    expect((globalThis as { berthDeclaredImported?: boolean }).berthDeclaredImported).toBe(true);
  });

  it('refuses a malformed berthPlugin declaration in one line', async () => {
    const pkg = join(dir, 'cfg', 'node_modules', 'berth-bad-decl');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'berth-bad-decl', berthPlugin: { name: 'x' } }));
    await expect(loadConfiguredPlugins(parseBerthConfig('{"plugins":["berth-bad-decl"]}', join(dir, 'cfg', 'config.json')), { globalDirs: [] })).rejects.toThrow('plugin berth-bad-decl: package.json "berthPlugin" needs a name, an apiVersion and a provides list');
  });

  it('imports nothing when the config lists no plugins', async () => {
    expect(await loadConfiguredPlugins(parseBerthConfig('{}', '/nonexistent/config.json'))).toEqual([]);
  });
});
