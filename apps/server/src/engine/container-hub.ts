// berthd as the monitor of the containers its Engine face starts: each runs in this process
// (ContainerService.runAttached keeps the record and the json-file log), its output fanned out to
// the clients attached at the moment, its stdin fed from an attached client, and its exit handed
// to `wait`. Containers that another process runs (`berth run -d`) are seen through the store.
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, type ContainerRecord, type ContainerService } from '@berth/core';
import { stdFrame, type StdStream } from './stdcopy.js';
import type { EngineEvents } from './engine-events.js';

/**
 * The body of `/containers/{id}/wait`. Error stays null: a process that could not start is
 * reported by `/start` itself, and docker's CLI would print it twice.
 */
export interface ExitStatus {
  StatusCode: number;
  Error: null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

interface Attachment {
  socket: Socket;
  streams: ReadonlySet<StdStream>;
  tty: boolean;
}

interface Run {
  done: Promise<ExitStatus>;
  abort: AbortController;
}

/** How often `wait` looks at a container another process runs. */
const POLL_MS = 200;

function statusOf(rec: ContainerRecord): ExitStatus {
  return { StatusCode: rec.State.ExitCode, Error: null };
}

export class ContainerHub {
  private readonly attachments = new Map<string, Set<Attachment>>();
  private readonly stdins = new Map<string, PassThrough>();
  private readonly runs = new Map<string, Run>();
  private readonly exitWaiters = new Map<string, { promise: Promise<ExitStatus>; resolve: (s: ExitStatus) => void }>();

  constructor(
    readonly containers: ContainerService,
    readonly events?: EngineEvents,
  ) {}

  /** A container event with dockerd's attributes: its name, its image and its labels. */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.events?.emit('container', action, rec.Id, { ...(rec.Config.Labels ?? {}), image: rec.Config.Image ?? rec.Image, name: rec.Name.replace(/^\//, ''), ...extra });
  }

  /**
   * Connects a hijacked socket to the container's streams: output from now on goes to it, and
   * (with `stdin`, for a container made with OpenStdin) what the client sends goes to the process.
   * The socket is ended when the container's run ends.
   */
  attach(rec: ContainerRecord, socket: Socket, opts: { stdin: boolean; streams: ReadonlySet<StdStream> }): void {
    const a: Attachment = { socket, streams: opts.streams, tty: rec.Config.Tty ?? false };
    let set = this.attachments.get(rec.Id);
    if (!set) this.attachments.set(rec.Id, (set = new Set()));
    set.add(a);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => set.delete(a));
    this.emit(rec, 'attach');
    if (opts.stdin && rec.Config.OpenStdin) {
      // StdinOnce (`run -i`): the process's stdin closes when this client's input ends.
      socket.pipe(this.stdinOf(rec.Id), { end: rec.Config.StdinOnce ?? false });
    }
  }

  /** Whether this berthd runs the container's process (else another process, `berth run -d`, does). */
  runsHere(id: string): boolean {
    return this.runs.has(id);
  }

  /** Starts the container's process here; resolves once it runs, rejects with why it could not. */
  /** Resolves once the run this hub had for the container (if any) is over and told (`restart`). */
  async settled(id: string): Promise<void> {
    const run = this.runs.get(id);
    if (!run) return;
    await run.done;
    // `ended` runs after the die event, a few turns later.
    for (let i = 0; i < 100 && this.runs.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async start(rec: ContainerRecord): Promise<void> {
    if (rec.State.Running || this.runs.has(rec.Id)) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is already running`);
    // Answered once the process runs (or could not), as dockerd does: an inspect right after sees it.
    await this.containers.markStarting(rec.Id);
    const abort = new AbortController();
    const stdin = rec.Config.OpenStdin ? this.stdinOf(rec.Id) : undefined;
    const io = { stdout: this.fanOut(rec.Id, 'stdout'), stderr: this.fanOut(rec.Id, 'stderr'), ...(stdin ? { stdin } : {}) };
    let failure: string | undefined;
    // `die` follows `start` in the event log even for a process that is over at once; each run the
    // restart policy adds tells its die and its start, in order, after the first start.
    let startTold!: () => void;
    let told: Promise<void> = new Promise<void>((resolve) => (startTold = resolve));
    const inOrder = (event: () => void): void => {
      told = told.then(event);
    };
    const exitedOne = (code: number, restarting: boolean): void => {
      if (restarting) inOrder(() => this.emit(rec, 'die', { exitCode: String(code) }));
    };
    const done = this.containers.runWithRestarts(rec.Id, io, abort.signal, exitedOne, () => inOrder(() => this.emit(rec, 'start'))).then(
      (code): ExitStatus => ({ StatusCode: code, Error: null }),
      (err: unknown): ExitStatus => {
        failure = (err as Error).message;
        const code = (err as { exitCode?: unknown }).exitCode;
        return { StatusCode: typeof code === 'number' ? code : 125, Error: null };
      },
    );
    this.runs.set(rec.Id, { done, abort });
    void done.then(async (status) => {
      await told;
      this.emit(rec, 'die', { exitCode: String(status.StatusCode) });
      // `--rm`: runAttached has removed it by now.
      if (rec.HostConfig.AutoRemove) this.emit(rec, 'destroy');
      this.ended(rec.Id, status);
    });
    // The record leaves `created` when the process runs or failed to; a failure is the answer.
    const outcome = await Promise.race([done, this.containers.waitStarted(rec.Id, 60_000).catch(() => undefined)]);
    const failed = outcome && 'State' in outcome ? outcome.State.Error || undefined : failure;
    if (!failed) this.emit(rec, 'start');
    startTold();
    if (failed) throw new BerthError('ERR_INVALID_ARGUMENT', failed);
  }

  /**
   * What `/wait` answers for `rec` under `condition`. The in-process waiter is registered before
   * this returns, so a `start` that follows cannot slip past it (docker's run: wait, then start).
   */
  waitFor(rec: ContainerRecord, condition: WaitCondition, signal: AbortSignal): Promise<ExitStatus> {
    if (condition === 'not-running' && !rec.State.Running && !this.runs.has(rec.Id)) return Promise.resolve(statusOf(rec));
    return this.poll(rec, condition, this.nextExit(rec.Id), signal);
  }

  /** On shutdown: the processes this berthd runs are killed, and their clients let go. */
  async close(): Promise<void> {
    for (const run of this.runs.values()) run.abort.abort(new Error('berthd is shutting down'));
    await Promise.race([Promise.all([...this.runs.values()].map((r) => r.done)), sleep(10_000)]);
    for (const set of this.attachments.values()) for (const a of set) a.socket.destroy();
  }

  private async poll(rec: ContainerRecord, condition: WaitCondition, inProcess: Promise<ExitStatus>, signal: AbortSignal): Promise<ExitStatus> {
    const finishedBefore = rec.State.FinishedAt;
    let last = statusOf(rec);
    let exited: ExitStatus | undefined;
    void inProcess.then((s) => (exited = last = s));
    while (!signal.aborted) {
      // `removed` waits for the record to go; the others end at the exit this process saw.
      if (exited && condition !== 'removed') return exited;
      await Promise.race([inProcess, sleep(POLL_MS)]);
      if (exited && condition !== 'removed') return exited;
      const now = await this.containers.store.get(rec.Id);
      if (!now) {
        if (this.runs.has(rec.Id)) continue; // removed by its own --rm: the exit status is on its way
        return last;
      }
      const live = await this.containers.find(rec.Id).catch(() => now);
      if (live.State.Running || this.runs.has(rec.Id)) continue;
      last = statusOf(live);
      if (condition === 'not-running' || (condition === 'next-exit' && live.State.FinishedAt !== finishedBefore)) return last;
    }
    throw signal.reason;
  }

  private nextExit(id: string): Promise<ExitStatus> {
    let w = this.exitWaiters.get(id);
    if (!w) {
      let resolve!: (s: ExitStatus) => void;
      const promise = new Promise<ExitStatus>((r) => (resolve = r));
      this.exitWaiters.set(id, (w = { promise, resolve }));
    }
    return w.promise;
  }

  private ended(id: string, status: ExitStatus): void {
    this.runs.delete(id);
    this.stdins.get(id)?.destroy();
    this.stdins.delete(id);
    const waiter = this.exitWaiters.get(id);
    this.exitWaiters.delete(id);
    waiter?.resolve(status);
    // Attached clients see the end of the stream, as dockerd ends an attach when the process exits.
    for (const a of this.attachments.get(id) ?? []) a.socket.end();
    this.attachments.delete(id);
  }

  private stdinOf(id: string): PassThrough {
    let s = this.stdins.get(id);
    if (!s) this.stdins.set(id, (s = new PassThrough()));
    return s;
  }

  /** A process's stdout or stderr, written to every client attached to that stream. */
  private fanOut(id: string, stream: StdStream): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const a of this.attachments.get(id) ?? []) if (a.streams.has(stream) && a.socket.writable) a.socket.write(stdFrame(stream, chunk, a.tty));
        cb();
      },
    });
  }
}
