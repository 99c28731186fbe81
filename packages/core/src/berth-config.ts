// berth's own settings file, read in one place for every key (third-party plugins, registry
// mirrors…) so the CLI and berthd agree on where it lives and what it says.
//
// Where: $BERTH_CONFIG when set (it must exist then: a typo should not silently mean "no
// config"), else $XDG_CONFIG_HOME/berth/config.json, else ~/.config/berth/config.json. No file
// at the default place is the common case and means every key's default.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { BerthError } from './errors.js';

export interface BerthConfig {
  /** The file read, or the default path that was looked for when none exists. */
  readonly path: string;
  readonly exists: boolean;
  /** Third-party plugins to load, in order: npm package names or paths (see docs/plugins.md). */
  readonly plugins: readonly string[];
  /** The whole parsed object, for keys a module validates itself (via `configSection`). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface ConfigEnv {
  BERTH_CONFIG?: string;
  XDG_CONFIG_HOME?: string;
  HOME?: string;
}

/** No file: every key at its default (tests, and hosts composed without a config). */
export function emptyBerthConfig(path = berthConfigPath().path): BerthConfig {
  return { path, exists: false, plugins: [], raw: {} };
}

/** Where berth's config file is (whether or not it exists), and whether the user named it. */
export function berthConfigPath(env: ConfigEnv = process.env): { path: string; explicit: boolean } {
  if (env.BERTH_CONFIG) return { path: env.BERTH_CONFIG, explicit: true };
  // XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return { path: join(xdg, 'berth', 'config.json'), explicit: false };
}

/** Reads and checks the config file; a missing default file is an empty config. */
export async function readBerthConfig(env: ConfigEnv = process.env): Promise<BerthConfig> {
  const { path, explicit } = berthConfigPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !explicit) return emptyBerthConfig(path);
    if (code === 'ENOENT') throw new BerthError('ERR_BERTH_CONFIG', `config file ${path} (BERTH_CONFIG) does not exist`);
    throw new BerthError('ERR_BERTH_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseBerthConfig(text, path);
}

/** Parses the file's text; exported so tests and berthd can check a config without a file. */
export function parseBerthConfig(text: string, path: string): BerthConfig {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new BerthError('ERR_BERTH_CONFIG', `config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BerthError('ERR_BERTH_CONFIG', `config file ${path} must hold a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const plugins = obj.plugins ?? [];
  if (!Array.isArray(plugins) || plugins.some((p) => typeof p !== 'string' || p.trim() === '')) {
    throw new BerthError('ERR_BERTH_CONFIG', `config file ${path}: "plugins" must be an array of package names or paths`);
  }
  return { path, exists: true, plugins: plugins as string[], raw: obj };
}

/**
 * One key of the config, checked by the module that owns it: `check` returns the typed value or
 * throws; the error names the file and key so the user knows what to fix.
 */
export function configSection<T>(config: BerthConfig, key: string, check: (value: unknown) => T, fallback: T): T {
  if (!(key in config.raw)) return fallback;
  try {
    return check(config.raw[key]);
  } catch (err) {
    throw new BerthError('ERR_BERTH_CONFIG', `config file ${config.path}: "${key}" ${(err as Error).message}`, { cause: err });
  }
}

/** How many layers a pull downloads and a push uploads at once (dockerd's daemon.json keys). */
export interface TransferConcurrency {
  downloads: number;
  uploads: number;
}

/** `max-concurrent-downloads` / `max-concurrent-uploads`: whole numbers from 1; both 3 by default. */
export function transferConcurrency(config: BerthConfig): TransferConcurrency {
  const count = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 64) throw new Error('must be a whole number from 1 to 64');
    return v;
  };
  return {
    downloads: configSection(config, 'max-concurrent-downloads', count, 3),
    uploads: configSection(config, 'max-concurrent-uploads', count, 3),
  };
}
