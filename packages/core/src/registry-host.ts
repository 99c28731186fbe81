// Where a registry command goes, shared by the CLI and berthd's Engine face: the host a login
// server names, and the hosts allowed over plain HTTP.

/** BERTH_INSECURE_REGISTRIES=host:port,… — Docker's `insecure-registries`; loopback hosts need none. */
export function insecureHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BERTH_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

/** A login server as docker accepts it: `https://host:5000/v2/` names `host:5000`, Docker Hub's URLs `docker.io`. */
export function serverHost(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}
