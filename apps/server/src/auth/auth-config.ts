// The `auth` section of berthd's config file, checked once at start so a typo fails loudly instead
// of leaving a registry open: anonymous policy, htpasswd file, token service, per-repository grants.
import { BerthError } from '@berth/core';

export type RegistryAction = 'pull' | 'push' | 'delete';
export const REGISTRY_ACTIONS: readonly RegistryAction[] = ['pull', 'push', 'delete'];

/** `off`: every request needs credentials; `read-only`: pull without credentials, push refused. */
export type AnonymousPolicy = 'off' | 'read-only';

export interface Grant {
  /** A user name from the htpasswd file, or `*` for every authenticated user. */
  user: string;
  /** A repository name as clients write it (`team/app`, `busybox`); `*` matches any characters, `/` too. `${user}` is the user's name. */
  repository: string;
  actions: RegistryAction[];
}

export interface TokenConfig {
  /** Where clients fetch tokens; default: `<scheme>://<Host header>/token` of the request. */
  realm?: string;
  /** The `service` (JWT audience); default `berthd`. */
  service: string;
  /** The JWT issuer; default `berthd`. */
  issuer: string;
  /** PEM EC P-256 private key; default: generated once in `<root>/berthd/token-key.pem` (mode 0600). */
  key?: string;
  /** Access-token lifetime in seconds; default 300. */
  expiresIn: number;
}

export interface AuthConfig {
  anonymous: AnonymousPolicy;
  /** Path of an `htpasswd -B` file (bcrypt only). */
  htpasswd: string;
  /** Present: the built-in token service (Bearer JWTs); absent: HTTP Basic on every request. */
  token?: TokenConfig;
  /** Absent: an authenticated user may pull, push and delete everywhere. */
  grants?: Grant[];
}

function fail(message: string): never {
  throw new BerthError('ERR_INVALID_ARGUMENT', `berthd config: ${message}`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') fail(`${what} must be a non-empty string`);
  return v;
}

function optional<T>(v: unknown, parse: (v: unknown) => T): T | undefined {
  return v === undefined ? undefined : parse(v);
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, keys: string[], what: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`unknown key ${JSON.stringify(k)} in ${what} (known: ${keys.join(', ')})`);
}

/** Validates the `auth` object of the config file; `resolvePath` makes file names absolute. */
export function parseAuthConfig(raw: unknown, resolvePath: (p: string) => string): AuthConfig {
  const o = object(raw, 'auth');
  onlyKeys(o, ['anonymous', 'htpasswd', 'token', 'grants'], 'auth');
  const anonymous = optional(o.anonymous, (v) => {
    if (v !== 'off' && v !== 'read-only') fail(`auth.anonymous must be "off" or "read-only", not ${JSON.stringify(v)}`);
    return v;
  }) ?? 'off';
  if (o.htpasswd === undefined) fail('auth.htpasswd (the path of an `htpasswd -B` file) is required when auth is configured');
  const htpasswd = resolvePath(str(o.htpasswd, 'auth.htpasswd'));
  const token = optional(o.token, (v) => {
    const t = object(v, 'auth.token');
    onlyKeys(t, ['realm', 'service', 'issuer', 'key', 'expiresIn'], 'auth.token');
    const realm = optional(t.realm, (r) => {
      const s = str(r, 'auth.token.realm');
      if (!/^https?:\/\//.test(s)) fail('auth.token.realm must be an http(s) URL');
      return s;
    });
    const expiresIn = optional(t.expiresIn, (e) => {
      if (typeof e !== 'number' || !Number.isInteger(e) || e < 30 || e > 86_400) fail('auth.token.expiresIn must be whole seconds from 30 to 86400');
      return e;
    }) ?? 300;
    const key = optional(t.key, (k) => resolvePath(str(k, 'auth.token.key')));
    return {
      service: optional(t.service, (s) => str(s, 'auth.token.service')) ?? 'berthd',
      issuer: optional(t.issuer, (s) => str(s, 'auth.token.issuer')) ?? 'berthd',
      expiresIn,
      ...(realm ? { realm } : {}),
      ...(key ? { key } : {}),
    } satisfies TokenConfig;
  });
  const grants = optional(o.grants, (v) => {
    if (!Array.isArray(v)) fail('auth.grants must be an array');
    return v.map((g, i) => {
      const e = object(g, `auth.grants[${i}]`);
      onlyKeys(e, ['user', 'repository', 'actions'], `auth.grants[${i}]`);
      if (!Array.isArray(e.actions) || e.actions.length === 0) fail(`auth.grants[${i}].actions must be a non-empty array`);
      const actions = (e.actions as unknown[]).flatMap((a): RegistryAction[] => {
        if (a === '*') return [...REGISTRY_ACTIONS];
        if (!REGISTRY_ACTIONS.includes(a as RegistryAction)) fail(`auth.grants[${i}].actions: ${JSON.stringify(a)} is not pull, push, delete or *`);
        return [a as RegistryAction];
      });
      return { user: str(e.user, `auth.grants[${i}].user`), repository: str(e.repository, `auth.grants[${i}].repository`), actions: [...new Set(actions)] };
    });
  });
  return { anonymous, htpasswd, ...(token ? { token } : {}), ...(grants ? { grants } : {}) };
}
