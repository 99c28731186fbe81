// What every registry command passes its adapter: credentials from Docker's client config
// (helpers included) and the hosts the user allows over plain HTTP.
import { insecureHosts, readBerthConfig, transferConcurrency, type RegistryOpenOptions, type TransferConcurrency } from '@berth/core';

export { insecureHosts, serverHost } from '@berth/core';

export async function registryOptions(): Promise<RegistryOpenOptions> {
  const { DockerConfig } = await import('@berth/registry-distribution');
  const config = new DockerConfig();
  return { credentials: (host) => config.get(host), insecureHosts: insecureHosts() };
}

/** Layers at once for pulls and pushes, from berth's config file (`max-concurrent-downloads`/`-uploads`). */
export async function concurrency(): Promise<TransferConcurrency> {
  return transferConcurrency(await readBerthConfig());
}
