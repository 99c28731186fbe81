// `--change` for import and commit: the Dockerfile instructions Docker allows there, applied to
// a container config (moby builder/dockerfile BuildFromConfig, validCommitCommands).
import { BerthError } from '../errors.js';
import type { ContainerConfig } from '../config.js';

const ALLOWED = ['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir'] as const;

function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Splits `a=b "c d"=e` respecting quotes, as the Dockerfile parser does for ENV and LABEL. */
function keyValues(rest: string, what: string): [string, string][] {
  const words = rest.match(/(?:[^\s"']+|"(?:\\.|[^"\\])*"|'[^']*')+/g) ?? [];
  if (words.length > 0 && !words[0]!.includes('=')) {
    // Legacy form: `ENV key value with spaces`.
    const [k, ...v] = rest.trim().split(/\s+/);
    if (!k || v.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', `${what} requires at least one argument`);
    return [[k, rest.trim().slice(k.length).trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new BerthError('ERR_INVALID_ARGUMENT', `${what} names can not be blank`);
    return [unquote(w.slice(0, eq)), unquote(w.slice(eq + 1))];
  });
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) {
    return s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s.slice(1, -1);
  }
  return s;
}

export function applyChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const c: ContainerConfig = { ...config };
  for (const change of changes) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(change);
    if (!m) continue;
    const instr = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    if (!(ALLOWED as readonly string[]).includes(instr)) throw new BerthError('ERR_INVALID_ARGUMENT', `${m[1]!.toUpperCase()} is not a valid change command`);
    const upper = instr.toUpperCase();
    switch (instr) {
      case 'cmd':
      case 'entrypoint': {
        const value = jsonArray(rest) ?? ['/bin/sh', '-c', rest];
        if (instr === 'cmd') c.Cmd = value;
        else { c.Entrypoint = value; c.Cmd = null; }
        break;
      }
      case 'env': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of keyValues(rest, upper)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'label':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(keyValues(rest, upper)) };
        break;
      case 'expose': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.split(/\s+/).filter(Boolean)) ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        c.ExposedPorts = ports;
        break;
      }
      case 'volume': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of jsonArray(rest) ?? rest.split(/\s+/).filter(Boolean)) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      case 'onbuild':
        c.OnBuild = [...(c.OnBuild ?? []), rest];
        break;
      case 'user':
        c.User = rest;
        break;
      case 'workdir':
        c.WorkingDir = rest.startsWith('/') ? rest : `${(c.WorkingDir ?? '/').replace(/\/$/, '')}/${rest}`;
        break;
      case 'stopsignal':
        c.StopSignal = rest;
        break;
    }
  }
  return c;
}
