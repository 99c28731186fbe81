// Engine API version negotiation as dockerd does it: `/v1.xx/` prefixes checked against the
// supported range (400 with dockerd's words outside it), no prefix means the newest version, and
// every answer says the newest in `API-Version`, so clients negotiate down to it.

/** The swagger this face follows (shared/reference/docker-engine-api/swagger.yaml). */
export const API_VERSION = '1.56';
/**
 * dockerd 25–28 accept 1.24 and up; dockerd 29 raised its default floor, and the version this
 * swagger describes accepts 1.40 and up (DOCKER_MIN_API_VERSION lowers it there; not here).
 */
export const MIN_API_VERSION = '1.40';

/** -1, 0 or 1, comparing `1.9` below `1.10` as Docker's versions.compare does. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Undefined when `version` is served, else dockerd's message for the 400. */
export function unsupportedVersion(version: string): string | undefined {
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    return `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  if (compareVersions(version, API_VERSION) > 0) return `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`;
  return undefined;
}

/** Splits `/v1.51/images/json` into the version and the path; unversioned paths get the newest. */
export function splitVersion(path: string): { version: string; path: string; explicit: boolean } | undefined {
  const m = /^\/v([0-9.]+)(\/.*)$/.exec(path);
  if (m) return /^\d+\.\d+$/.test(m[1]!) ? { version: m[1]!, path: m[2]!, explicit: true } : undefined;
  return { version: API_VERSION, path, explicit: false };
}
