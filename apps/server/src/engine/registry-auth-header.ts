// X-Registry-Auth: base64url JSON credentials the docker CLI sends with pull, push and search
// (swagger "Authentication"). dockerd uses them for the one registry of the request, and so does berthd.
import { insecureHosts, type RegistryCredentials, type RegistryOpenOptions } from '@berth/core';
import { EngineError } from './engine-error.js';

export interface AuthConfigBody {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The credentials in an auth config, or undefined when it holds none (`{}`, what the CLI sends logged out). */
export function credentialsOf(body: AuthConfigBody): RegistryCredentials | undefined {
  let { username, password } = body;
  if (!username && body.auth) {
    const plain = Buffer.from(body.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) {
      username = plain.slice(0, colon);
      password = plain.slice(colon + 1);
    }
  }
  const creds: RegistryCredentials = {};
  if (username) creds.username = username;
  if (password) creds.password = password;
  if (body.identitytoken) creds.identityToken = body.identitytoken;
  return Object.keys(creds).length > 0 ? creds : undefined;
}

export function parseRegistryAuthHeader(header: string | string[] | undefined): AuthConfigBody {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return {};
  try {
    // base64url as the swagger says; older clients sent standard base64, which Buffer also reads.
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as AuthConfigBody;
  } catch {
    throw new EngineError(400, 'invalid X-Registry-Auth header: not base64url-encoded JSON');
  }
}

/** What the registry adapter gets for this request: its credentials (never the server's own) and insecure hosts. */
export function registryOptionsFrom(header: string | string[] | undefined, signal?: AbortSignal): RegistryOpenOptions {
  const creds = credentialsOf(parseRegistryAuthHeader(header));
  return {
    credentials: async () => creds,
    insecureHosts: insecureHosts(),
    ...(signal ? { signal } : {}),
  };
}

/** A server address as X-Registry-Config keys it (`https://index.docker.io/v1/`, `127.0.0.1:5000`) → its host. */
function keyHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/**
 * X-Registry-Config: what the docker CLI sends with a build, base64url JSON of every stored
 * credential by server address, so the builder can pull whichever base a FROM names.
 */
export function registryConfigOptions(header: string | string[] | undefined, signal?: AbortSignal): RegistryOpenOptions {
  const value = Array.isArray(header) ? header[0] : header;
  const byHost = new Map<string, RegistryCredentials>();
  if (value) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    } catch {
      throw new EngineError(400, 'invalid X-Registry-Config header: not base64url-encoded JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EngineError(400, 'invalid X-Registry-Config header: not a JSON object');
    for (const [key, body] of Object.entries(parsed as Record<string, AuthConfigBody>)) {
      const creds = body && typeof body === 'object' ? credentialsOf(body) : undefined;
      if (creds) byHost.set(keyHost(key), creds);
    }
  }
  return {
    credentials: async (host) => byHost.get(keyHost(host)),
    insecureHosts: insecureHosts(),
    ...(signal ? { signal } : {}),
  };
}
