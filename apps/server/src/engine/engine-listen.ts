// Where the Engine face listens: `--engine-listen unix:///path.sock`, `tcp://HOST:PORT` (or
// `HOST:PORT`), `off`, or unset (the main listen address, when that is allowed). Anything that is
// not a unix socket or loopback address needs TLS client certificates or auth (listen-policy.ts).
import { unlink, stat } from 'node:fs/promises';
import { refuseOpenListen, type SecurityConfig } from '../listen-policy.js';

export type EngineListen = { kind: 'main' } | { kind: 'off' } | { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number; address: string };

export function parseEngineListen(value: string | undefined): EngineListen {
  if (value === undefined || value === '') return { kind: 'main' };
  if (value === 'off') return { kind: 'off' };
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (!path.startsWith('/')) throw new Error(`invalid --engine-listen ${JSON.stringify(value)}: a unix socket needs an absolute path (unix:///run/berthd.sock)`);
    return { kind: 'unix', path };
  }
  const address = value.replace(/^tcp:\/\//, '');
  const m = /^(?:\[([^\]]+)\]|([^:/]*)):(\d+)$/.exec(address);
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid --engine-listen ${JSON.stringify(value)}: expected unix:///PATH, tcp://HOST:PORT or off`);
  return { kind: 'tcp', host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]), address };
}

/** Throws the refusal for an explicit non-loopback address without TLS client certificates or auth. */
export function checkEngineListen(listen: EngineListen, security: SecurityConfig): void {
  if (listen.kind !== 'tcp') return;
  const refused = refuseOpenListen(listen.address, security, 'Docker Engine API');
  if (refused) throw new Error(refused);
}

/** A socket file left by a berthd that died is removed; anything else at the path is an error. */
export async function clearStaleSocket(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return;
  if (!info.isSocket()) throw new Error(`--engine-listen unix://${path}: the path exists and is not a socket`);
  await unlink(path);
}
