// The plugin's own key in berth's config file, checked with core's configSection so a mistake is
// one line naming the file and the key:
//   "dirRegistry": { "root": "./registry", "host": "dir.local", "users": { "me": "scrypt$…" } }
import { dirname, resolve } from 'node:path';
import { BerthError, configSection, type BerthConfig } from '@berth/core';

export interface DirRegistrySettings {
  /** The registry host this adapter claims (default `dir.local`). */
  host: string;
  /** Directory holding one OCI image layout per repository; relative to the config file. */
  root: string;
  /** user → password hash (`hashPassword`); when set, every operation needs one of them. */
  users?: Record<string, string>;
}

export const SETTINGS_KEY = 'dirRegistry';

export function dirRegistrySettings(config: BerthConfig): DirRegistrySettings {
  if (!(SETTINGS_KEY in config.raw)) {
    throw new BerthError('ERR_BERTH_CONFIG', `config file ${config.path}: the dir registry plugin needs a "${SETTINGS_KEY}" key with a "root" directory`);
  }
  return configSection(config, SETTINGS_KEY, (value): DirRegistrySettings => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be an object');
    const v = value as Record<string, unknown>;
    if (typeof v.root !== 'string' || v.root === '') throw new Error('needs "root", the directory that holds the repositories');
    if (v.host !== undefined && (typeof v.host !== 'string' || !v.host.includes('.'))) throw new Error('"host" must be a host name with a dot, as image references need');
    if (v.users !== undefined && (typeof v.users !== 'object' || v.users === null || Object.values(v.users).some((h) => typeof h !== 'string'))) {
      throw new Error('"users" must map user names to password hashes');
    }
    return {
      host: (v.host as string | undefined) ?? 'dir.local',
      root: resolve(dirname(config.path), v.root),
      ...(v.users ? { users: v.users as Record<string, string> } : {}),
    };
  }, { host: 'dir.local', root: '' });
}
