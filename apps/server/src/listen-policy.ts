// Whether a listener that can do more than serve images (the Engine face runs pulls, builds and
// containers) may bind a non-loopback address: only when clients must authenticate, by TLS client
// certificates or by the registry auth's credentials. The Engine face asks these before listening.
import type { AuthConfig } from './auth/auth-config.js';
import type { TlsConfig } from './tls.js';

export interface SecurityConfig {
  auth?: AuthConfig;
  tls?: TlsConfig;
}

/** Credentials are checked (htpasswd, and the token service when configured). */
export function authConfigured(config: SecurityConfig): boolean {
  return config.auth !== undefined;
}

/** TLS with client-certificate verification (`--tls-ca` beside `--tls-cert/--tls-key`). */
export function tlsClientAuth(config: SecurityConfig): boolean {
  return config.tls?.ca !== undefined;
}

/** `unix://…`, `localhost`, 127.0.0.0/8 or ::1 (bare host or `host:port`). */
export function isLoopbackListen(listen: string): boolean {
  if (listen.startsWith('unix://')) return true;
  const m = /^(?:tcp:\/\/)?(?:\[([^\]]+)\]|([^:]*))(?::\d+)?$/.exec(listen);
  const host = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  return host === '' || host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Undefined when `listen` is allowed for a face that must not be open to the network, else why not. */
export function refuseOpenListen(listen: string, config: SecurityConfig, face: string): string | undefined {
  if (isLoopbackListen(listen) || authConfigured(config) || tlsClientAuth(config)) return undefined;
  return `refusing to serve the ${face} on ${listen}: it is not a loopback address or unix socket, and neither TLS client certificates (--tls-ca with --tls-cert/--tls-key) nor auth (config "auth") are configured`;
}
