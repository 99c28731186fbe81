// Runs a bundle with runc (or crun) in the foreground: the container's stdio is runc's, piped to
// ours; runc reports the process's exit (128 + n for signal n). runc's own failure (a missing
// executable) is read from its JSON log, and its state is always deleted afterwards.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessIO, RuntimeStats } from '@berth/core';
import { BerthError } from '@berth/core';

/** A container that could not start; `exitCode` is Docker's (127 not found, 126 not executable, 125 otherwise). */
export class ContainerStartError extends BerthError {
  constructor(message: string, readonly exitCode: number) {
    super('ERR_INVALID_ARGUMENT', message);
  }
}

export interface OciRunOptions {
  /** runc or crun binary. */
  binary: string;
  /** `--root` for the runtime's state, private to berth. */
  stateDir: string;
  bundle: string;
  id: string;
  io: ProcessIO;
  /** The bundle asks for a terminal (process.terminal): runc then needs one on its own stdio. */
  tty?: boolean;
  signal?: AbortSignal;
  /**
   * `exec`: one more process in the running container `id`, described by `<bundle>/process.json`
   * (`detach`: left running once started). The container's state is left alone.
   */
  exec?: { detach: boolean };
}

/**
 * runc's foreground terminal mode copies between the container's pty and runc's own terminal,
 * which a piped child has none of; util-linux's script(1) (always on Debian, in bsdutils) gives it
 * one and copies that to our pipes raw. `-e` passes the exit status on (128 + n for a signal).
 */
function inTerminal(binary: string, args: string[]): [string, string[]] {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  return ['script', ['-q', '-e', '-c', [binary, ...args].map(quote).join(' '), '/dev/null']];
}

export async function ociRun(o: OciRunOptions): Promise<number> {
  const log = join(o.bundle, 'runtime.log');
  const pidFile = join(o.bundle, 'pid');
  const state = stateArgs(o.stateDir);
  const global = [...state, '--log', log, '--log-format', 'json'];
  if (!o.exec) await quiet(o.binary, [...state, 'delete', '--force', o.id]);
  await rm(log, { force: true });
  await rm(pidFile, { force: true });
  try {
    const runArgs = o.exec
      ? [...global, 'exec', '--process', join(o.bundle, 'process.json'), '--pid-file', pidFile, ...(o.exec.detach ? ['--detach'] : []), o.id]
      : [...global, 'run', '--bundle', o.bundle, '--pid-file', pidFile, o.id];
    const [cmd, args] = o.tty ? inTerminal(o.binary, runArgs) : [o.binary, runArgs];
    const child = spawn(cmd, args, {
      // script(1) turns an end of its stdin into an EOF character typed at the terminal: without
      // input for the container, its stdin stays an open pipe nobody writes to.
      // A detached exec keeps its stdio after runc leaves: pipes would hold `close` until it ends.
      stdio: o.exec?.detach ? 'ignore' : [o.io.stdin || o.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: o.tty ? { ...process.env, SHELL: '/bin/sh' } : process.env,
    });
    const onAbort = (): void => {
      // runc exec passes the signal on to its process; runc run's container is killed by id.
      if (o.exec) child.kill('SIGTERM');
      else void quiet(o.binary, [...state, 'kill', o.id, 'KILL']);
      // runc forwards signals it gets; if the container never started, stop runc itself.
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.io.stdin && child.stdin) {
      child.stdin.on('error', () => {});
      o.io.stdin.pipe(child.stdin);
    }
    child.stdout?.pipe(o.io.stdout, { end: false });
    // runc prints its own failure on the stderr it shares with the container: hold stderr back
    // until the process is known to run (runc wrote the pid file) so that line can be dropped.
    const held: Buffer[] = [];
    let started = false;
    const release = (): boolean => {
      if (!started && existsSync(pidFile)) {
        started = true;
        for (const c of held.splice(0)) o.io.stderr.write(c);
        o.io.started?.();
      }
      return started;
    };
    // The pid file shows the process runs: held lines go out then (a long-running process may
    // write once and then nothing: `logs` of a `-d` container), and the caller hears it started.
    const poll = setInterval(() => {
      if (release()) clearInterval(poll);
    }, 20).unref();
    child.on('close', () => clearInterval(poll));
    child.on('error', () => clearInterval(poll));
    child.stderr?.on('data', (chunk: Buffer) => {
      if (release()) o.io.stderr.write(chunk);
      else held.push(chunk);
    });
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (err) => reject(new BerthError('ERR_UNSUPPORTED', `cannot run ${o.binary}: ${err.message}`, { cause: err })));
      child.on('close', (exit, sig) => resolve(exit ?? 128 + signalNumber(sig)));
    });
    o.signal?.removeEventListener('abort', onAbort);
    if (o.io.stdin && child.stdin) o.io.stdin.unpipe(child.stdin);
    const failure = await runtimeFailure(log);
    if (failure !== undefined && !existsSync(pidFile)) throw startError(failure);
    // A process that ended before the first poll still started.
    release();
    for (const c of held.splice(0)) o.io.stderr.write(c);
    return code;
  } finally {
    if (!o.exec) await quiet(o.binary, [...state, 'delete', '--force', o.id]);
  }
}

/** Sends `signal` to the container's process (for `stop`). */
export async function ociKill(binary: string, stateDir: string, id: string, signal: string): Promise<void> {
  await quiet(binary, [...stateArgs(stateDir), 'kill', id, signal]);
}

/** What a runtime subcommand printed; a failure is the runtime's own words. */
function runtimeOutput(binary: string, args: string[], what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new BerthError('ERR_CONTAINER_CONFLICT', `${binary} ${what}: ${stderr.trim() || `exit ${code}`}`))));
  });
}

/** `runc pause` / `runc resume`: the cgroup freezer over every process of the container. */
export async function ociFreeze(binary: string, stateDir: string, id: string, freeze: boolean): Promise<void> {
  await runtimeOutput(binary, [...stateArgs(stateDir), freeze ? 'pause' : 'resume', id], `${freeze ? 'pause' : 'resume'} ${id}`);
}

/** The host PIDs of the container's processes (`runc ps --format json`). */
export async function ociPids(binary: string, stateDir: string, id: string): Promise<number[]> {
  const out = await runtimeOutput(binary, [...stateArgs(stateDir), 'ps', '--format', 'json', id], `ps ${id}`);
  const pids: unknown = JSON.parse(out.trim() || '[]');
  return Array.isArray(pids) ? pids.filter((p): p is number => Number.isInteger(p)) : [];
}

interface RuncStats {
  cpu?: { usage?: { total?: number; percpu?: number[]; kernel?: number; user?: number }; throttling?: { periods?: number; throttledPeriods?: number; throttledTime?: number } };
  memory?: { usage?: { limit?: number; usage?: number; max?: number; failcnt?: number }; raw?: Record<string, number> };
  pids?: { current?: number; limit?: number };
  blkio?: { ioServiceBytesRecursive?: { major?: number; minor?: number; op?: string; value?: number }[] };
}

/** One sample of the container's cgroup counters (`runc events --stats`: one JSON object). */
export async function ociStats(binary: string, stateDir: string, id: string): Promise<RuntimeStats> {
  const out = await runtimeOutput(binary, [...stateArgs(stateDir), 'events', '--stats', id], `events --stats ${id}`);
  const d = ((JSON.parse(out) as { data?: RuncStats }).data ?? {});
  const cpu = d.cpu?.usage ?? {};
  const t = d.cpu?.throttling ?? {};
  const mem = d.memory?.usage ?? {};
  return {
    cpu: { totalNs: cpu.total ?? 0, perCpuNs: cpu.percpu ?? [], kernelNs: cpu.kernel ?? 0, userNs: cpu.user ?? 0, throttling: { periods: t.periods ?? 0, throttledPeriods: t.throttledPeriods ?? 0, throttledTimeNs: t.throttledTime ?? 0 } },
    memory: { usage: mem.usage ?? 0, maxUsage: mem.max ?? 0, limit: mem.limit ?? 0, failcnt: mem.failcnt ?? 0, stats: d.memory?.raw ?? {} },
    pids: { current: d.pids?.current ?? 0, limit: d.pids?.limit ?? 0 },
    blkio: (d.blkio?.ioServiceBytesRecursive ?? []).map((e) => ({ major: e.major ?? 0, minor: e.minor ?? 0, op: e.op ?? '', value: e.value ?? 0 })),
  };
}

/** `--root` keeps berth's containers apart from anyone else's (docker's runc, a second berth root). */
function stateArgs(stateDir: string): string[] {
  return ['--root', stateDir];
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const n = sig ? (os.constants.signals as Record<string, number>)[sig] : undefined;
  return n ?? 0;
}


/** The last error runc logged, when it failed before the process ran. */
async function runtimeFailure(log: string): Promise<string | undefined> {
  const text = await readFile(log, 'utf8').catch(() => '');
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' && entry.msg) last = entry.msg;
    } catch {
      // crun writes plain lines on some paths
    }
  }
  return last;
}

/** Docker's codes for a process that never ran: 127 not found, 126 not executable. */
function startError(msg: string): ContainerStartError {
  if (/executable file not found|no such file or directory/i.test(msg)) return new ContainerStartError(msg, 127);
  if (/permission denied|exec format error/i.test(msg)) return new ContainerStartError(msg, 126);
  return new ContainerStartError(msg, 125);
}

function quiet(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}
