// Where a registry host is reached: Docker Hub's API host, and HTTP only for loopback hosts and
// hosts the user lists as insecure (as dockerd does); everything else is HTTPS.
import { isIP } from 'node:net';

export interface RegistryEndpoint {
  /** The host as a reference names it (`docker.io`, `127.0.0.1:5000`). */
  host: string;
  /** Base URL of the API, without `/v2/` (`https://registry-1.docker.io`). */
  base: string;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** Strips the port (and IPv6 brackets): `[::1]:5000` → `::1`, `localhost:5000` → `localhost`. */
export function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon > -1 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

export function isLoopbackHost(host: string): boolean {
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1';
}

export function registryEndpoint(host: string, insecureHosts: readonly string[] = []): RegistryEndpoint {
  const apiHost = host === DOCKER_HUB || host === 'index.docker.io' ? DOCKER_HUB_API : host;
  const insecure = isLoopbackHost(apiHost) || insecureHosts.some((h) => h === host || h === apiHost || h === hostName(apiHost));
  return { host, base: `${insecure ? 'http' : 'https'}://${apiHost}` };
}
