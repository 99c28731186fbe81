// `ps --filter` as moby's daemon/list.go applies it: id and name are regular expressions (an
// exact value matches too), status and exited compare the state, label as for images, ancestor
// takes an image and every image built on it, before/since compare with another container.
import { BerthError } from '../errors.js';
import type { ContainerRecord } from '../contracts/containers.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import type { Digest } from '../digest.js';
import { matchLabels, parseFilters, type Filters } from '../images/filters.js';
import { findImage } from '../images/lookup.js';
import { findContainer } from './lookup.js';

const ACCEPTED = ['id', 'name', 'label', 'exited', 'status', 'ancestor', 'before', 'since', 'volume', 'network', 'health', 'isolation', 'is-task', 'publish', 'expose'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export interface ContainerFilter {
  /** A status filter lists stopped containers without -a, as docker's does. */
  showsAll: boolean;
  matches(c: ContainerRecord): boolean;
}

export function containerFilter(args: readonly string[], all: readonly ContainerRecord[], snapshot: StoreSnapshot): ContainerFilter {
  let f: Filters;
  try {
    f = parseFilters(args, ACCEPTED);
  } catch (err) {
    // The container list says it with a capital I (daemon/list.go).
    if (err instanceof BerthError) throw new BerthError(err.code, err.message.replace(/^invalid filter/, 'Invalid filter'));
    throw err;
  }
  for (const s of f.get('status') ?? []) if (!STATUSES.includes(s)) throw new BerthError('ERR_INVALID_FILTER', `Invalid filter 'status=${s}'`);
  const exited = (f.get('exited') ?? []).map((v) => {
    if (!/^[-+]?\d+$/.test(v)) throw new BerthError('ERR_INVALID_FILTER', `strconv.Atoi: parsing "${v}": invalid syntax`);
    return Number.parseInt(v, 10);
  });
  const created = (name: string): string => findContainer(all, name).Created;
  const before = (f.get('before') ?? []).map(created);
  const since = (f.get('since') ?? []).map(created);
  const ancestors = new Set<Digest>();
  for (const a of f.get('ancestor') ?? []) {
    try {
      ancestors.add(findImage(snapshot, a).record.id);
    } catch {
      // An unknown image matches no container.
    }
  }
  const descends = (id: Digest): boolean => {
    for (let cur: Digest | undefined = id, n = 0; cur && n < 1000; cur = snapshot.images.get(cur)?.parent, n++) if (ancestors.has(cur)) return true;
    return false;
  };
  const re = (pattern: string, value: string): boolean => {
    if (pattern === value) return true;
    try {
      return new RegExp(pattern).test(value);
    } catch {
      return false;
    }
  };
  const anyOf = (key: string, test: (v: string) => boolean): boolean => {
    const vals = f.get(key);
    return !vals || vals.some(test);
  };
  return {
    showsAll: f.has('status'),
    matches(c) {
      if (!anyOf('id', (v) => re(v, c.Id))) return false;
      if (!anyOf('name', (v) => re(v, c.Name) || re(v, c.Name.slice(1)))) return false;
      if (!matchLabels(f, c.Config.Labels ?? {})) return false;
      if (exited.length > 0 && (c.State.Status !== 'exited' || !exited.includes(c.State.ExitCode))) return false;
      if (!anyOf('status', (v) => v === c.State.Status)) return false;
      if (f.has('ancestor') && !descends(c.Image)) return false;
      if (before.some((t) => c.Created >= t)) return false;
      if (since.some((t) => c.Created <= t)) return false;
      if (!anyOf('network', (v) => v === c.HostConfig.NetworkMode)) return false;
      if (!anyOf('volume', (v) => c.HostConfig.Binds.some((b) => b.split(':')[0] === v || b.split(':')[1] === v))) return false;
      // No health checks, tasks, published or exposed-port matches in berth: only their absence matches.
      if (!anyOf('health', (v) => v === 'none')) return false;
      if (!anyOf('is-task', (v) => v === 'false')) return false;
      if (f.has('publish') || f.has('expose')) return false;
      return true;
    },
  };
}
