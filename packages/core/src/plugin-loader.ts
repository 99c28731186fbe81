// Finds the third-party plugins berth's config file names. A path is taken relative to the config
// file; a package name is looked up as Node would from the config file's directory (its
// node_modules, then each parent's), then in npm's global node_modules. A package declaring
// `berthPlugin` in its package.json is imported only when needed, any other at once. Every
// failure is one ERR_PLUGIN line naming the entry and what to do.
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BerthError } from './errors.js';
import type { BerthConfig } from './berth-config.js';
import type { BerthPlugin } from './contracts/plugin.js';
import type { LazyPlugin } from './plugin-host.js';

/**
 * A plugin the config names, with the entry that named it (for messages): imported already, or,
 * when its package.json declares it (`berthPlugin`), to be imported on first use.
 */
export type ConfiguredPlugin = { spec: string; plugin: BerthPlugin } | { spec: string; lazy: LazyPlugin };

/** package.json `"berthPlugin": { "name", "apiVersion", "provides" }`: what the module will say. */
export interface PluginManifest {
  name: string;
  apiVersion: number;
  provides: string[];
}

export interface PluginResolveOptions {
  /** Where relative paths and node_modules lookups start: the config file's directory. */
  baseDir: string;
  /** Global node_modules directories searched last (default: `globalNodeModules()`). */
  globalDirs?: readonly string[];
}

/** npm's global node_modules: `$npm_config_prefix/lib/node_modules`, else the one beside node. */
export function globalNodeModules(env: { npm_config_prefix?: string; NPM_CONFIG_PREFIX?: string } = process.env): string[] {
  // npm's default global prefix on Unix is the directory above the node binary's bin/.
  const prefix = env.npm_config_prefix || env.NPM_CONFIG_PREFIX || dirname(dirname(process.execPath));
  return [join(prefix, 'lib', 'node_modules')];
}

/**
 * Resolves every plugin the config lists, in order: a package that declares `berthPlugin` in its
 * package.json is only read (imported when first needed), any other is imported now. No config
 * or no plugins reads nothing.
 */
export async function loadConfiguredPlugins(config: BerthConfig, options: Partial<PluginResolveOptions> = {}): Promise<ConfiguredPlugin[]> {
  if (config.plugins.length === 0) return [];
  const resolveOptions: PluginResolveOptions = { baseDir: options.baseDir ?? dirname(resolve(config.path)), ...(options.globalDirs ? { globalDirs: options.globalDirs } : {}) };
  const out: ConfiguredPlugin[] = [];
  for (const spec of config.plugins) {
    const { entry, manifest } = await resolvePlugin(spec, resolveOptions);
    if (manifest) out.push({ spec, lazy: { ...manifest, load: () => importPlugin(spec, entry) } });
    else out.push({ spec, plugin: await importPlugin(spec, entry) });
  }
  return out;
}

/** Imports one plugin now: its module's default export (or a named `plugin` export). */
export async function loadPlugin(spec: string, options: PluginResolveOptions): Promise<BerthPlugin> {
  return importPlugin(spec, (await resolvePlugin(spec, options)).entry);
}

async function importPlugin(spec: string, entry: string): Promise<BerthPlugin> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    throw new BerthError('ERR_PLUGIN', `plugin ${spec} failed to load from ${entry}: ${firstLine(err)}`, { cause: err });
  }
  const plugin = mod.default ?? mod.plugin;
  if (!isPluginShaped(plugin)) {
    throw new BerthError('ERR_PLUGIN', `plugin ${spec} is not a berth plugin: its default export needs a name, an apiVersion, a provides list and a register function`);
  }
  return plugin;
}

/** The file to import for a config entry. */
export async function resolvePluginEntry(spec: string, options: PluginResolveOptions): Promise<string> {
  return (await resolvePlugin(spec, options)).entry;
}

/** The file to import for a config entry, and its package's `berthPlugin` manifest if any. */
async function resolvePlugin(spec: string, options: PluginResolveOptions): Promise<{ entry: string; manifest?: PluginManifest }> {
  if (isPathSpec(spec)) {
    const path = resolve(options.baseDir, spec);
    const st = await stat(path).catch(() => undefined);
    if (!st) throw new BerthError('ERR_PLUGIN', `plugin ${spec} not found: ${path} does not exist`);
    return st.isDirectory() ? packageEntry(path, spec) : { entry: path };
  }
  if (!isPackageName(spec)) throw new BerthError('ERR_PLUGIN', `plugin ${JSON.stringify(spec)} is neither an npm package name nor a path`);
  const searched = [...nodeModulesChain(options.baseDir), ...(options.globalDirs ?? globalNodeModules())];
  for (const dir of searched) {
    const pkgDir = join(dir, spec);
    if (await isDirectory(pkgDir)) return packageEntry(pkgDir, spec);
  }
  const global = options.globalDirs ?? globalNodeModules();
  throw new BerthError('ERR_PLUGIN', `plugin ${spec} not found in ${join(options.baseDir, 'node_modules')} (or a parent's) nor in ${global.join(', ') || 'a global node_modules'}: install it with 'npm install --prefix ${options.baseDir} ${spec}'`);
}

/** A package directory's ESM entry: `exports["."]` (import/node/default), else `main`, else index.js. */
async function packageEntry(pkgDir: string, spec: string): Promise<{ entry: string; manifest?: PluginManifest }> {
  let pkg: { exports?: unknown; main?: unknown; berthPlugin?: unknown };
  try {
    pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as typeof pkg;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entry: join(pkgDir, 'index.js') };
    throw new BerthError('ERR_PLUGIN', `plugin ${spec}: cannot read ${join(pkgDir, 'package.json')}: ${firstLine(err)}`);
  }
  const target = exportsTarget(pkg.exports);
  const entry = join(pkgDir, target ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js'));
  if (pkg.berthPlugin === undefined) return { entry };
  return { entry, manifest: parseManifestField(pkg.berthPlugin, spec) };
}

function parseManifestField(value: unknown, spec: string): PluginManifest {
  const m = value as Partial<PluginManifest> | null;
  if (!m || typeof m !== 'object' || typeof m.name !== 'string' || typeof m.apiVersion !== 'number' || !Array.isArray(m.provides) || m.provides.some((p) => typeof p !== 'string')) {
    throw new BerthError('ERR_PLUGIN', `plugin ${spec}: package.json "berthPlugin" needs a name, an apiVersion and a provides list`);
  }
  return { name: m.name, apiVersion: m.apiVersion, provides: [...m.provides] };
}

const CONDITIONS = ['import', 'node', 'default'];

/** The `"."` target of a package.json `exports` field (Node's resolution, conditions only). */
function exportsTarget(exportsField: unknown): string | undefined {
  if (typeof exportsField === 'string') return exportsField;
  if (Array.isArray(exportsField)) {
    for (const e of exportsField) {
      const t = exportsTarget(e);
      if (t) return t;
    }
    return undefined;
  }
  if (!exportsField || typeof exportsField !== 'object') return undefined;
  const obj = exportsField as Record<string, unknown>;
  const keys = Object.keys(obj);
  // Subpath map (keys start with "."): only the package's main entry matters to berth.
  if (keys.some((k) => k.startsWith('.'))) return exportsTarget(obj['.']);
  for (const k of keys) if (CONDITIONS.includes(k)) {
    const t = exportsTarget(obj[k]);
    if (t) return t;
  }
  return undefined;
}

function nodeModulesChain(from: string): string[] {
  const dirs: string[] = [];
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (!dir.endsWith('/node_modules')) dirs.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) return dirs;
  }
}

function isPathSpec(spec: string): boolean {
  return isAbsolute(spec) || spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..';
}

// npm's rules in short: optional @scope/, lowercase URL-safe characters, no leading dot/underscore.
function isPackageName(spec: string): boolean {
  return /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(spec);
}

function isPluginShaped(value: unknown): value is BerthPlugin {
  const p = value as Partial<BerthPlugin> | undefined;
  return !!p && typeof p === 'object' && typeof p.name === 'string' && 'apiVersion' in p && Array.isArray(p.provides) && typeof p.register === 'function';
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
