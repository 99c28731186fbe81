// What every registry command passes its adapter: credentials from Docker's client config
// (helpers included) and the hosts the user allows over plain HTTP.
import type { RegistryOpenOptions } from '@berth/core';

/** BERTH_INSECURE_REGISTRIES=host:port,… — Docker's `insecure-registries`, loopback hosts need none. */
export function insecureHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BERTH_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

export async function registryOptions(): Promise<RegistryOpenOptions> {
  const { DockerConfig } = await import('@berth/registry-distribution');
  const config = new DockerConfig();
  return { credentials: (host) => config.get(host), insecureHosts: insecureHosts() };
}

/** `berth login SERVER` accepts a URL as docker does: `https://host:5000/v2/` names `host:5000`. */
export function serverHost(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
