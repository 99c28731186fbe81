// Starts Debian's docker-registry (CNCF distribution) on 127.0.0.1 with its own config and storage,
// with no auth, htpasswd (bcrypt) basic auth, or token auth through a testkit token server.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requirePeer } from './require-peer.js';
import { run } from './run.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface RegistryOptions {
  auth?: RegistryAuthMode;
  /** Users for htpasswd and token modes (default `{ tester: 'secret-pw' }`). */
  users?: Record<string, string>;
  /** Token mode: user (`''` = anonymous) → repository (or `*`) → actions (default: every user may pull and push everything). */
  grants?: Record<string, Record<string, string[]>>;
}

export interface RegistryPeer {
  /** `127.0.0.1:PORT`, the host part of image references. */
  readonly host: string;
  readonly url: string;
  readonly auth: RegistryAuthMode;
  readonly users: Readonly<Record<string, string>>;
  readonly storageDir: string;
  readonly tokenServer?: TokenServer;
  stop(): Promise<void>;
}

export const DEFAULT_REGISTRY_USERS: Readonly<Record<string, string>> = { tester: 'secret-pw' };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryPeer> {
  const bin = requirePeer('docker-registry');
  const mode = options.auth ?? 'none';
  const users = options.users ?? { ...DEFAULT_REGISTRY_USERS };
  const dir = await mkdtemp(join(tmpdir(), 'registry-'));
  const storageDir = join(dir, 'storage');
  const port = await freePort();
  let tokenServer: TokenServer | undefined;
  let authYaml = '';
  try {
    if (mode === 'htpasswd') {
      const htpasswd = requirePeer('htpasswd');
      let lines = '';
      for (const [user, pw] of Object.entries(users)) {
        const r = await run(htpasswd, ['-Bbn', user, pw]);
        if (r.code !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
        lines += r.stdout.trim() + '\n';
      }
      await writeFile(join(dir, 'htpasswd'), lines);
      authYaml = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (mode === 'token') {
      const openssl = requirePeer('openssl');
      const keyPath = join(dir, 'token.key');
      const certPath = join(dir, 'token.crt');
      const r = await run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=berth-testkit-token']);
      if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
      const grants = options.grants ?? Object.fromEntries(Object.keys(users).map((u) => [u, { '*': ['pull', 'push'] }]));
      tokenServer = await startTokenServer({ keyPem: await readFile(keyPath, 'utf8'), certPem: await readFile(certPath, 'utf8'), issuer: 'berth-testkit', service: 'berth-registry', users, grants });
      authYaml = `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: berth-registry\n    issuer: berth-testkit\n    rootcertbundle: ${certPath}\n    autoredirect: false\n`;
    }
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storageDir}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: berth-testkit-secret',
      authYaml,
    ].join('\n');
    await writeFile(join(dir, 'config.yml'), config);
  } catch (err) {
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const logPath = join(dir, 'registry.log');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(logPath, 'a');
  const child: ChildProcess = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      await tokenServer?.close();
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await fetch(`${url}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await stop();
      throw new Error(`docker-registry did not start on ${url}\n${log.slice(-4000)}`);
    }
    await sleep(100);
  }
  return { host: `127.0.0.1:${port}`, url, auth: mode, users, storageDir, ...(tokenServer ? { tokenServer } : {}), stop };
}
