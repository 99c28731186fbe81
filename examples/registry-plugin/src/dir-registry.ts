// The RegistryAdapter of the dir registry: it claims one host (`dir.local` by default) and maps
// `HOST/REPO:TAG` to the OCI layout ROOT/REPO. Credentials, when users are configured, are
// checked on every operation, the same lookup `berth login` stores them for.
import { join, relative, isAbsolute } from 'node:path';
import {
  BerthError,
  type ImageDestination,
  type ImageSource,
  type Reference,
  type RegistryAdapter,
  type RegistryCredentials,
  type RegistryDestinationOptions,
  type RegistryOpenOptions,
} from '@berth/core';
import { DirDestination } from './dir-destination.js';
import { DirSource } from './dir-source.js';
import { OciDir } from './oci-dir.js';
import { verifyPassword } from './password.js';
import type { DirRegistrySettings } from './settings.js';

export class DirRegistryAdapter implements RegistryAdapter {
  constructor(private readonly settings: DirRegistrySettings) {}

  claims(host: string): boolean {
    return host === this.settings.host;
  }

  async source(ref: Reference, options: RegistryOpenOptions = {}): Promise<ImageSource> {
    await this.authorize(options);
    return new DirSource(this.repository(ref), ref);
  }

  async destination(ref: Reference, options: RegistryDestinationOptions = {}): Promise<ImageDestination> {
    await this.authorize(options);
    return new DirDestination(this.repository(ref), `${ref.domain}/${ref.path}`);
  }

  async tags(ref: Reference, options: RegistryOpenOptions = {}): Promise<string[]> {
    await this.authorize(options);
    return this.repository(ref).tags();
  }

  async login(host: string, credentials: RegistryCredentials): Promise<void> {
    if (!this.accepts(credentials)) throw new BerthError('ERR_UNAUTHORIZED', `login to ${host} failed: unauthorized: incorrect username or password`);
  }

  private async authorize(options: RegistryOpenOptions): Promise<void> {
    if (!this.settings.users) return;
    const credentials = await options.credentials?.(this.settings.host);
    if (!credentials || !this.accepts(credentials)) {
      throw new BerthError('ERR_UNAUTHORIZED', `unauthorized: authentication required for ${this.settings.host}; try 'berth login ${this.settings.host}'`);
    }
  }

  private accepts(credentials: RegistryCredentials): boolean {
    const users = this.settings.users;
    if (!users) return true;
    const hash = credentials.username !== undefined ? users[credentials.username] : undefined;
    return hash !== undefined && credentials.password !== undefined && verifyPassword(credentials.password, hash);
  }

  private repository(ref: Reference): OciDir {
    const dir = join(this.settings.root, ref.path);
    // The reference grammar allows no `..`; checked anyway, since a path leaves the root otherwise.
    const rel = relative(this.settings.root, dir);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new BerthError('ERR_INVALID_REFERENCE', `repository ${ref.path} is outside ${this.settings.root}`);
    return new OciDir(dir, `${ref.domain}/${ref.path}`);
  }
}
