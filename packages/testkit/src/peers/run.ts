// Runs a peer program (docker, skopeo, umoci, tar…) and collects what it printed.
// Every peer runner goes through here so timeouts, stdin and exit codes behave the same.

import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface RunOptions {
  /** Bytes for the child's stdin; stdin is closed right away when absent. */
  input?: Buffer | string | Readable;
  /** Full environment of the child (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user/group (the caller must be root): proves behaviour without root's privileges. */
  uid?: number;
  gid?: number;
  /** Kill the child with SIGKILL and reject after this long (default 120 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Stream stdout here instead of collecting it (`docker save` of a big image); `stdout` is then ''. */
  stdout?: Writable;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; 128 + signal number when the child died of a signal, as shells report it. */
  code: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** Spawns `cmd args`, feeds `input`, resolves with its output and exit code (a non-zero code does not reject). */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    let timedOut = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const stdoutDone = options.stdout
      ? pipeline(child.stdout, options.stdout)
      : new Promise<void>((done) => {
          child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
          child.stdout.on('end', done);
          child.stdout.on('error', () => done());
        });
    stdoutDone.catch((err: unknown) => {
      child.kill('SIGKILL');
      finish(() => reject(err));
    });

    feedStdin(child.stdin, options.input).catch((err: unknown) => {
      child.kill('SIGKILL');
      finish(() => reject(err));
    });

    child.on('error', (err) => finish(() => reject(new Error(`cannot run ${cmd}: ${err.message}`, { cause: err }))));
    child.on('close', (exitCode, signalName) => {
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (timedOut) {
        finish(() =>
          reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`)),
        );
        return;
      }
      const code = exitCode ?? 128 + (signalName ? osConstants.signals[signalName] : 0);
      // The stdout pipeline settles just before or after 'close'; wait so a file sink is complete.
      stdoutDone.then(
        () => finish(() => resolve({ stdout: out, stderr: err, code })),
        () => {}, // already rejected above
      );
    });
  });
}

async function feedStdin(stdin: Writable, input: RunOptions['input']): Promise<void> {
  // The child may exit without reading all of its input (`docker run` of a failing command):
  // that is its answer, not our error, so EPIPE is ignored.
  const ignoreEpipe = (err: unknown): void => {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  };
  stdin.on('error', () => {});
  if (input === undefined) {
    stdin.end();
    return;
  }
  const source = input instanceof Readable ? input : Readable.from([Buffer.from(input)]);
  await pipeline(source, stdin).catch(ignoreEpipe);
}

/** Fails with the command, exit code and stderr when a peer did not succeed: tests read this line first. */
export function expectSuccess(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited with code ${result.code}\nstderr: ${result.stderr.trim()}\nstdout: ${result.stdout.trim()}`);
  }
  return result;
}
