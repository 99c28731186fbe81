// Starts the built berthd on a free loopback port over a store root, for registry e2e tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BERTHD_BIN = fileURLToPath(new URL('../../apps/server/bin/berthd.js', import.meta.url));

export interface Berthd {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  url: string;
  child: ChildProcess;
  /** Everything berthd logged (pino JSON lines). */
  log(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `extraArgs`: more berthd flags (`--config FILE`, `--tls-cert …`); `env`: added to the suite's. */
export async function startBerthd(root: string, listen = '127.0.0.1:0', extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Berthd> {
  const child = spawn(process.execPath, [BERTHD_BIN, '--root', root, '--listen', listen, '--log-level', 'info', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berthd did not start: ${out}`)), 20_000);
    const check = (): void => {
      const m = /Server listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`berthd exited ${code}: ${out}`)));
  });
  return {
    host: url.replace(/^https?:\/\//, ''),
    url,
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
