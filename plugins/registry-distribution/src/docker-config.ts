// Docker's client config ($DOCKER_CONFIG/config.json, else ~/.docker/config.json) as a credential
// store: `auths` with base64 `auth`, or `credsStore` / `credHelpers` helpers; written 0600, atomically.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { BerthError, type RegistryCredentials } from '@berth/core';
import { helperErase, helperGet, helperStore } from './credential-helper.js';

/** The key Docker files Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The key a host's credentials live under: Docker Hub's legacy URL, otherwise the host itself. */
export function authKey(host: string): string {
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io' ? DOCKER_HUB_AUTH_KEY : host;
}

/** Docker's ConvertToHostname: `https://host:5000/v2/` → `host:5000`. */
function keyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0]!;
}

export class DockerConfig {
  constructor(readonly path: string = dockerConfigPath()) {}

  private async read(): Promise<ConfigFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as ConfigFile;
    } catch {
      throw new BerthError('ERR_IO', `${this.path} is not valid JSON`);
    }
  }

  private async write(cfg: ConfigFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(cfg, null, '\t')}\n`, { mode: 0o600 });
    await rename(tmp, this.path);
  }

  private helperFor(cfg: ConfigFile, key: string): string | undefined {
    return cfg.credHelpers?.[keyHost(key)] ?? cfg.credHelpers?.[key] ?? cfg.credsStore ?? undefined;
  }

  /** Credentials for a registry host, or undefined (anonymous). */
  async get(host: string): Promise<RegistryCredentials | undefined> {
    const cfg = await this.read();
    const key = authKey(host);
    const helper = this.helperFor(cfg, key);
    if (helper) {
      const found = await helperGet(helper, key);
      if (found) return found;
    }
    const auths = cfg.auths ?? {};
    const entry = auths[key] ?? Object.entries(auths).find(([k]) => keyHost(k) === keyHost(key))?.[1];
    if (!entry) return undefined;
    const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
    const colon = decoded?.indexOf(':') ?? -1;
    if (decoded !== undefined && colon < 0) throw new BerthError('ERR_IO', `${this.path}: the auth entry for ${key} is malformed`);
    const username = decoded?.slice(0, colon);
    // docker keeps `auth` as "user:" beside an identity token; the token is what authenticates.
    if (entry.identitytoken) return { ...(username ? { username } : {}), identityToken: entry.identitytoken };
    if (decoded !== undefined) return { username: username!, password: decoded.slice(colon + 1) };
    if (entry.username !== undefined) return { username: entry.username, password: entry.password ?? '' };
    return undefined;
  }

  async store(host: string, creds: RegistryCredentials): Promise<void> {
    const cfg = await this.read();
    const key = authKey(host);
    const helper = this.helperFor(cfg, key);
    cfg.auths ??= {};
    if (helper) {
      await helperStore(helper, key, creds);
      cfg.auths[key] = {}; // Docker keeps an empty entry so `docker login` lists the server
    } else {
      // As docker writes it: with an identity token, `auth` holds the user name and no password.
      const auth = Buffer.from(`${creds.username ?? ''}:${creds.identityToken ? '' : (creds.password ?? '')}`).toString('base64');
      cfg.auths[key] = creds.identityToken ? { ...(creds.username ? { auth } : {}), identitytoken: creds.identityToken } : { auth };
    }
    await this.write(cfg);
  }

  /** Removes the host's credentials; false when there were none. */
  async erase(host: string): Promise<boolean> {
    const cfg = await this.read();
    const key = authKey(host);
    const helper = this.helperFor(cfg, key);
    const keys = Object.keys(cfg.auths ?? {}).filter((k) => k === key || keyHost(k) === keyHost(key));
    if (helper) await helperErase(helper, key);
    if (keys.length === 0 && !helper) return false;
    for (const k of keys) delete cfg.auths![k];
    await this.write(cfg);
    return keys.length > 0 || Boolean(helper);
  }
}
