// Finds a peer program on this machine or fails with the Debian package that provides it.
// Interop tests never skip when a peer is missing: a skipped interop test is a silent lie.

import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Debian 12 package that ships each peer; `.ci/install-peers` installs all of them. */
export const PEER_PACKAGES: Readonly<Record<string, string>> = {
  docker: 'docker.io',
  dockerd: 'docker.io',
  containerd: 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  skopeo: 'skopeo',
  umoci: 'umoci',
  podman: 'podman',
  buildah: 'buildah',
  crun: 'crun',
  busybox: 'busybox-static',
  'docker-registry': 'docker-registry', htpasswd: 'apache2-utils', openssl: 'openssl',
};

// Root's PATH in a CI container often lacks the sbin directories where dockerd and runc live.
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface RequirePeerOptions {
  /** Colon-separated directories to search first (default: $PATH). */
  path?: string;
  /** Searched after `path` (default: the usual bin and sbin directories). */
  systemDirs?: readonly string[];
}

/** The absolute path of `cmd` (searched in PATH, then the system bin/sbin directories), or throws. */
export function requirePeer(cmd: string, options: RequirePeerOptions = {}): string {
  const systemDirs = options.systemDirs ?? SYSTEM_DIRS;
  const dirs = searchDirs(options.path ?? process.env['PATH'] ?? '', systemDirs);
  const candidates = isAbsolute(cmd) ? [cmd] : dirs.map((dir) => join(dir, cmd));
  for (const candidate of candidates) {
    if (isExecutableFile(candidate)) return candidate;
  }
  const pkg = PEER_PACKAGES[cmd];
  const install = pkg
    ? `install the Debian package '${pkg}' (apt-get install -y ${pkg})`
    : `install the package that provides it`;
  throw new Error(
    `peer '${cmd}' not found in ${dirs.join(':')}: ${install}; ` +
      `.ci/install-peers installs every peer the tests use`,
  );
}

function searchDirs(searchPath: string, systemDirs: readonly string[]): string[] {
  const dirs = searchPath.split(delimiter).filter((dir) => dir !== '' && isAbsolute(dir));
  return [...new Set([...dirs, ...systemDirs])];
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
