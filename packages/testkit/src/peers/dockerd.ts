// Starts a private Docker daemon (its own data-root, exec-root and socket) for interop tests,
// and tears it down completely: process, containerd children, mounts and data.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requirePeer } from './require-peer.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface DockerdOptions {
  /** Parent of the daemon's private directory. Keep it short: unix socket paths max out at 107 bytes. */
  parentDir?: string;
  /** How long to wait for `/_ping` to answer (default 60 s). */
  readyTimeoutMs?: number;
  /** Extra dockerd flags (`--storage-driver vfs`, `--insecure-registry …`). */
  extraArgs?: string[];
  /** The docker CLI to drive it with (default: `docker` from PATH). */
  dockerCli?: string;
}

export type DockerRunOptions = Omit<RunOptions, 'env'> & {
  /** Added on top of the private environment; DOCKER_HOST and DOCKER_CONFIG always name this peer's. */
  env?: NodeJS.ProcessEnv;
};

export interface DockerPeer {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  readonly host: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly pid: number;
  /** The daemon's stdout/stderr. */
  readonly logFile: string;
  /** Runs the docker CLI against this daemon only. */
  docker(args: string[], options?: DockerRunOptions): Promise<RunResult>;
  /** Stops the daemon and removes every trace of it; safe to call twice. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 20_000;

export async function startDockerd(options: DockerdOptions = {}): Promise<DockerPeer> {
  const dockerd = requirePeer('dockerd');
  const dockerCli = options.dockerCli ?? requirePeer('docker');
  // The managed containerd and runc are found through PATH by dockerd itself: fail here, readably.
  requirePeer('containerd');
  requirePeer('runc');

  const dir = await mkdtemp(join(options.parentDir ?? '/tmp', 'bd-'));
  const socket = join(dir, 'docker.sock');
  const dataRoot = join(dir, 'root');
  const configDir = join(dir, 'config');
  const logFile = join(dir, 'dockerd.log');
  if (Buffer.byteLength(socket) > 107) throw new Error(`dockerd socket path too long for a unix socket: ${socket}`);
  await mkdir(configDir);

  const logFd = openSync(logFile, 'a');
  const child = spawn(
    dockerd,
    [
      '--iptables=false',
      '--bridge=none',
      '--data-root', dataRoot,
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '-H', `unix://${socket}`,
      // A daemon-wide cap on shutdown; stop() also removes leftover containers first (see removeContainers).
      '--shutdown-timeout', '2',
      ...(options.extraArgs ?? []),
    ],
    { env: peerEnv(), stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => {}); // surfaced through `exited` and the log

  // If the test process dies without calling stop(), do not leave a daemon behind.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);

  const host = `unix://${socket}`;
  const docker = (args: string[], runOptions: DockerRunOptions = {}): Promise<RunResult> =>
    run(dockerCli, args, {
      ...runOptions,
      env: { ...peerEnv(), DOCKER_CLI_HINTS: 'false', ...runOptions.env, DOCKER_HOST: host, DOCKER_CONFIG: configDir },
    });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      await removeContainers(docker, child);
      await terminate(child, exited);
      await killOrphanContainers(dir);
      await killStragglers(dir);
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    })();
    return stopping;
  };

  try {
    await waitUntilReady(socket, exited, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${(err as Error).message}\n--- dockerd log (${logFile}) ---\n${tail(log, 60)}`);
  }

  return { host, socket, dataRoot, logFile, pid: child.pid ?? -1, docker, stop };
}

/** This process's environment without any DOCKER_* setting, with the sbin directories on PATH. */
function peerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('DOCKER_')) env[key] = value;
  }
  env['PATH'] = [env['PATH'], '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].filter(Boolean).join(':');
  return env;
}

async function waitUntilReady(socket: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error('dockerd exited before it answered /_ping');
    if (await ping(socket)) return;
    await sleep(100);
  }
  throw new Error(`dockerd did not answer /_ping on ${socket} within ${timeoutMs} ms`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Kills containers a test left running. On SIGTERM dockerd would give each one its own stop
 * timeout (10 s) before SIGKILL; the data is thrown away anyway, so `rm -f` right away.
 */
async function removeContainers(
  docker: (args: string[], options?: DockerRunOptions) => Promise<RunResult>,
  child: ChildProcess,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    const listed = await docker(['ps', '--all', '--quiet'], { timeoutMs: 15_000 });
    const ids = listed.stdout.split('\n').filter(Boolean);
    if (listed.code === 0 && ids.length > 0) await docker(['rm', '--force', ...ids], { timeoutMs: 30_000 });
  } catch {
    // Best effort: terminate() and the straggler/mount sweep below still clean up.
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  // SIGTERM lets dockerd stop its containers and its managed containerd.
  child.kill('SIGTERM');
  // The grace timer is cancelled once dockerd exits: a pending timer would keep the test runner alive.
  const grace = new AbortController();
  const timedOut = await Promise.race([
    exited.then(() => false),
    sleep(STOP_GRACE_MS, true, { signal: grace.signal }).catch(() => false),
  ]);
  grace.abort();
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * After a hard kill, container processes outlive dockerd and their shims; runc recorded
 * each container's init pid in the task state directory under the exec-root. Killing
 * that init ends its whole pid namespace.
 */
async function killOrphanContainers(dir: string): Promise<void> {
  const tasks = join(dir, 'exec/containerd/daemon/io.containerd.runtime.v2.task');
  const namespaces = await readdir(tasks).catch(() => []);
  for (const namespace of namespaces) {
    for (const id of await readdir(join(tasks, namespace)).catch(() => [])) {
      const pid = Number((await readFile(join(tasks, namespace, id, 'init.pid'), 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

/**
 * Kills processes still naming this daemon's private directory on their command line
 * (a containerd or containerd-shim that outlived a SIGKILLed dockerd). The directory
 * is unique to this peer, so only processes it started can match.
 */
async function killStragglers(dir: string): Promise<void> {
  const needle = Buffer.from(`${dir}/`);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`).catch(() => undefined);
    if (cmdline?.includes(needle)) {
      try {
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Unmounts overlay2 layers, netns bind mounts and the like that a killed daemon left under `dir`. */
async function unmountUnder(dir: string): Promise<void> {
  const mountPoints = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(decodeMountPath)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length); // children before parents
  for (const mountPoint of mountPoints) {
    const { code } = await run('umount', [mountPoint]);
    if (code !== 0) await run('umount', ['--lazy', mountPoint]);
  }
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function decodeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
