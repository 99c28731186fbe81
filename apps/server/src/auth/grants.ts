// Who may do what where: the config's grants, matched on the repository name clients use, plus the
// anonymous policy. Both the Basic-auth gate and the token service ask this one function.
import { familiarName, parseNormalizedReference } from '@berth/core';
import { REGISTRY_ACTIONS, type AnonymousPolicy, type Grant, type RegistryAction } from './auth-config.js';

const canonical = new Map<string, string | undefined>();

/** `library/busybox` and `busybox` are one repository: both become `busybox`. Undefined for an invalid name. */
export function canonicalRepository(name: string): string | undefined {
  // Asked several times per request (token access, grants): parse each name once.
  if (canonical.has(name)) return canonical.get(name);
  let out: string | undefined;
  try {
    const ref = parseNormalizedReference(name);
    out = ref.tag === undefined && ref.digest === undefined ? familiarName(ref) : undefined;
  } catch {
    out = undefined;
  }
  if (canonical.size >= 10_000) canonical.clear();
  canonical.set(name, out);
  return out;
}

/** `*` matches any characters (`/` too); `${user}` is the user's name, taken literally. */
function patternMatches(pattern: string, user: string, repository: string): boolean {
  const parts = pattern.split('*').map((p) => p.replaceAll('${user}', user));
  if (parts.length === 1) return (canonicalRepository(parts[0]!) ?? parts[0]) === repository;
  const re = new RegExp(`^${parts.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(repository);
}

export class Grants {
  constructor(
    private readonly anonymous: AnonymousPolicy,
    private readonly grants: readonly Grant[] | undefined,
  ) {}

  /** The actions `user` (undefined: anonymous) has on `repository` (any spelling clients use). */
  actions(user: string | undefined, repository: string): Set<RegistryAction> {
    const repo = canonicalRepository(repository);
    if (repo === undefined) return new Set();
    if (user === undefined) return new Set(this.anonymous === 'read-only' ? ['pull'] : []);
    if (!this.grants) return new Set(REGISTRY_ACTIONS);
    const out = new Set<RegistryAction>();
    for (const g of this.grants) {
      if (g.user !== '*' && g.user !== user) continue;
      if (!patternMatches(g.repository, user, repo)) continue;
      for (const a of g.actions) out.add(a);
    }
    return out;
  }
}
