// ContainerService: the container commands over a record store, the image service and a runtime.
// The process that runs a container (the CLI in the foreground, or a detached monitor for `-d`)
// calls `runAttached`, which keeps the record's State and the json-file log; every other berth
// process only reads records and signals the runtime.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import type { ContainerRecord, ContainerStore } from '../contracts/containers.js';
import type { ContainerRuntime, FileChange, Rootfs, RuntimeCachePruneResult, RuntimeLayer } from '../contracts/runtime.js';
import { chainIds } from '../images/chain-id.js';
import type { ImageService } from '../images/image-service.js';
import type { ContainerUse } from '../images/remove.js';
import { findImage } from '../images/lookup.js';
import { findContainer } from './lookup.js';
import { randomContainerName } from './names.js';
import { newContainerRecord, parseBind, type RunOptions } from './create.js';
import { JsonLogWriter, readJsonLog, type ReadLogOptions } from './json-log.js';
import { commitContainer, type CommitOptions } from './commit.js';
import { exportTree } from './export.js';
import { archiveContainerPath, statContainerPath, type ContainerPathStat } from './archive-path.js';
import { extractIntoRoot } from './extract-into.js';
import { resolveUser } from './user.js';
import { topOf, type ContainerTop } from './top.js';
import { emptyDockerStats, statsSamples, type DockerStats, type StatsOptions } from './stats.js';
import { runWithRestartPolicy } from './restart-policy.js';
import { formatRFC3339Nano, isGoZeroTime } from './time.js';

export interface AttachIO {
  stdin?: Readable;
  /** Where the output goes besides the log (the terminal), if anywhere. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export class ContainerService {
  private runtime?: ContainerRuntime;

  constructor(
    readonly images: ImageService,
    readonly store: ContainerStore,
    private readonly openRuntime: () => Promise<ContainerRuntime>,
  ) {}

  /** Every container, newest first; a container whose monitor died shows as exited. */
  async list(): Promise<ContainerRecord[]> {
    const all = await this.store.list();
    const out: ContainerRecord[] = [];
    for (const c of all) out.push(await this.reconcile(c));
    return out.sort((a, b) => (a.Created < b.Created ? 1 : a.Created > b.Created ? -1 : 0));
  }

  async find(input: string): Promise<ContainerRecord> {
    return this.reconcile(findContainer(await this.store.list(), input));
  }

  /** What `rmi` and `image prune` must not take away. */
  async uses(): Promise<ContainerUse[]> {
    return (await this.store.list()).map((c) => ({ id: c.Id, imageId: c.Image, running: c.State.Running }));
  }

  /** Records a container (`run` before it starts); a generated name is retried on a clash. */
  async create(opts: Omit<RunOptions, 'imageId' | 'name'> & { name?: string }): Promise<ContainerRecord> {
    for (const b of opts.binds ?? []) parseBind(b);
    const { record } = findImage(await this.images.snapshot(), opts.imageName);
    const config = await this.images.config(record.id);
    for (let retry = 0; ; retry++) {
      const name = opts.name ?? `/${randomContainerName(retry)}`;
      try {
        return await this.store.create(newContainerRecord(config, { ...opts, imageId: record.id, name }));
      } catch (err) {
        if (opts.name || retry >= 5 || (err as BerthError).code !== 'ERR_CONTAINER_CONFLICT') throw err;
      }
    }
  }

  /**
   * Runs the container's process to its end in this process: State goes running, output goes to
   * the json-file log (and to `io`), then the exit code and time are recorded. `--rm` containers
   * are removed afterwards. Resolves with the exit code; a start failure is recorded and rethrown.
   */
  async runAttached(id: string, io: AttachIO = {}, signal?: AbortSignal, opts: { restart?: boolean } = {}): Promise<number> {
    let rec = await this.find(id);
    // A restart starts a container that still shows Restarting (and so Running), as in moby.
    if (rec.State.Running && !(opts.restart && rec.State.Restarting)) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is already running`);
    const rootfs = await this.rootfs(rec);
    // Running once the runtime says the process runs; a start failure goes straight to exited.
    let marking: Promise<unknown> | undefined;
    const started = (): void => {
      marking = this.store
        .update(rec.Id, (c) => {
          c.State = { ...c.State, Status: 'running', Running: true, Restarting: false, Paused: false, Pid: process.pid, ExitCode: 0, Error: '', StartedAt: formatRFC3339Nano(new Date()) };
        })
        .then(async (now) => {
          // A stop that came while a restart was starting signalled no process: this one gets it.
          if (opts.restart && now.State.ManuallyStopped) await this.signal(rootfs, now.Config.StopSignal || 'SIGTERM');
        });
    };
    const log = new JsonLogWriter(rec.LogPath);
    const stdout = log.stream('stdout', io.stdout);
    const stderr = log.stream('stderr', io.stderr);
    let exitCode: number;
    let error = '';
    let failure: unknown;
    try {
      ({ exitCode } = await rootfs.run(
        {
          args: [rec.Path, ...rec.Args],
          env: rec.Config.Env ?? [],
          cwd: rec.Config.WorkingDir || '/',
          user: rec.Config.User ?? '',
          hostname: rec.Config.Hostname || rec.Id.slice(0, 12),
          network: rec.HostConfig.NetworkMode,
          mounts: rec.HostConfig.Binds.map(parseBind),
          tty: rec.Config.Tty ?? false,
          readonlyRootfs: rec.HostConfig.ReadonlyRootfs ?? false,
          limits: { memory: rec.HostConfig.Memory ?? 0, nanoCpus: rec.HostConfig.NanoCpus ?? 0 },
        },
        { ...(io.stdin ? { stdin: io.stdin } : {}), stdout, stderr, started },
        signal,
      ));
    } catch (err) {
      failure = err;
      exitCode = typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 125;
      error = (err as Error).message;
    }
    await marking?.catch(() => undefined);
    await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
    await log.close();
    await this.store.update(rec.Id, (c) => {
      const at = formatRFC3339Nano(new Date());
      // A process that never ran still gets a start time, so ps shows Exited (127), not Created.
      c.State = { ...c.State, Status: 'exited', Running: false, Restarting: false, Paused: false, Pid: 0, ExitCode: exitCode, Error: error, FinishedAt: at, ...(marking ? {} : { StartedAt: at }) };
    });
    if (rec.HostConfig.AutoRemove) await this.remove(rec.Id, { force: false });
    if (failure) throw failure;
    return exitCode;
  }

  /**
   * Runs the container as runAttached does, then again while its restart policy says so (see
   * restart-policy.ts). `exited` hears every end, with whether a restart follows.
   */
  runWithRestarts(id: string, io: AttachIO = {}, signal?: AbortSignal, exited?: (code: number, restarting: boolean) => void, restarted?: () => void): Promise<number> {
    return runWithRestartPolicy(this, id, { io, ...(signal ? { signal } : {}), ...(exited ? { exited } : {}), ...(restarted ? { restarted } : {}) });
  }

  /** A start is on its way: the record says `created` until the process runs, which waitStarted waits for. */
  async markStarting(id: string): Promise<void> {
    await this.store.update(id, (c) => {
      c.State.Status = 'created';
      return c;
    });
  }

  /** Waits until the container is no longer running (or `timeoutMs` passes); the last record. */
  async waitStopped(id: string, timeoutMs: number): Promise<ContainerRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rec = await this.store.get(id);
      if (!rec) return undefined;
      const live = await this.reconcile(rec);
      if (!live.State.Running) return live;
      if (Date.now() >= deadline) return live;
      await sleep(50);
    }
  }

  /** Waits until a freshly started container runs (or already ended). */
  async waitStarted(id: string, timeoutMs: number): Promise<ContainerRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rec = await this.store.get(id);
      if (!rec) throw new BerthError('ERR_CONTAINER_UNKNOWN', `No such container: ${id}`);
      if (rec.State.Status !== 'created') return rec;
      if (Date.now() >= deadline) throw new BerthError('ERR_IO', `container ${id.slice(0, 12)} did not start within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(25);
    }
  }

  /**
   * `exec`: one more process in a running container — its environment with `env` added, its user
   * and working directory unless given. Resolves with the process's exit code.
   */
  async exec(input: string, opts: { cmd: string[]; env?: string[]; user?: string; workdir?: string; tty?: boolean; detach?: boolean }, io: AttachIO = {}, signal?: AbortSignal): Promise<number> {
    const rec = await this.find(input);
    if (!rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is not running`);
    if (rec.State.Paused) throw new BerthError('ERR_CONTAINER_CONFLICT', `Container ${input} is paused, unpause the container before exec`);
    if (opts.cmd.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', 'No exec command specified');
    const rootfs = await this.rootfs(rec);
    if (!rootfs.exec) throw runtimeCannot('run a process in a running container');
    const extra = opts.env ?? [];
    const key = (e: string): string => e.split('=', 1)[0]!;
    const env = [...(rec.Config.Env ?? []).filter((e) => !extra.some((x) => key(x) === key(e))), ...extra];
    const discard = (): NodeJS.WritableStream => new PassThrough().resume();
    const { exitCode } = await rootfs.exec(
      {
        args: opts.cmd,
        env,
        cwd: opts.workdir || rec.Config.WorkingDir || '/',
        user: opts.user ?? rec.Config.User ?? '',
        hostname: rec.Config.Hostname || rec.Id.slice(0, 12),
        tty: opts.tty ?? false,
        detach: opts.detach ?? false,
      },
      { ...(io.stdin ? { stdin: io.stdin } : {}), stdout: (io.stdout ?? discard()) as Writable, stderr: (io.stderr ?? discard()) as Writable },
      signal,
    );
    return exitCode;
  }

  /**
   * `stop`: the stop signal, then SIGKILL after `timeoutSeconds` (negative: wait forever).
   * `onSignal` hears each signal sent, for `docker events`.
   */
  async stop(input: string, timeoutSeconds: number, onSignal?: (signal: string) => void): Promise<void> {
    const rec = await this.find(input);
    if (!rec.State.Running) return;
    await this.markStopped(rec.Id);
    const rootfs = await this.rootfs(rec);
    const stopSignal = rec.Config.StopSignal || 'SIGTERM';
    await this.signal(rootfs, stopSignal);
    onSignal?.(stopSignal);
    if (rec.State.Paused) await this.thaw(rec, rootfs).catch(() => undefined);
    const after = await this.waitStopped(rec.Id, timeoutSeconds < 0 ? Number.MAX_SAFE_INTEGER : timeoutSeconds * 1000);
    if (!after?.State.Running) return;
    await this.signal(rootfs, 'SIGKILL');
    onSignal?.('SIGKILL');
    const killed = await this.waitStopped(rec.Id, 10_000);
    if (killed?.State.Running) throw new BerthError('ERR_IO', `cannot stop container: ${rec.Id}: tried to kill container, but did not receive an exit event`);
  }

  /** Sends a signal to a running container's process (`kill`, and the CLI's signal proxy). */
  async kill(input: string, signal: string): Promise<void> {
    const rec = await this.find(input);
    if (!rec.State.Running) throw notRunning(rec);
    const rootfs = await this.rootfs(rec);
    // As moby: SIGKILL or the stop signal ends the container for good (no restart), and a paused
    // container is thawed after it, so it can act on it.
    const stopping = /^(SIG)?KILL$|^9$/i.test(signal) || signal.replace(/^SIG/i, '') === (rec.Config.StopSignal || 'SIGTERM').replace(/^SIG/i, '');
    if (stopping) await this.markStopped(rec.Id);
    await this.signal(rootfs, signal);
    // The process may be gone (and its runtime state with it) before the thaw: that is the aim.
    if (rec.State.Paused && stopping) await this.thaw(rec, rootfs).catch(() => undefined);
  }

  /** `docker pause`: every process of the container frozen (the cgroup freezer, through the runtime). */
  async pause(input: string): Promise<ContainerRecord> {
    const rec = await this.find(input);
    if (!rec.State.Running) throw notRunning(rec);
    if (rec.State.Paused) throw new BerthError('ERR_CONTAINER_CONFLICT', `Container ${rec.Id} is already paused`);
    const rootfs = await this.rootfs(rec);
    if (!rootfs.pause) throw runtimeCannot('pause a container');
    await rootfs.pause();
    return this.store.update(rec.Id, (c) => {
      c.State = { ...c.State, Status: 'paused', Paused: true };
      return c;
    });
  }

  /** `docker unpause`. */
  async unpause(input: string): Promise<ContainerRecord> {
    const rec = await this.find(input);
    if (!rec.State.Paused || !rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', `Container ${rec.Id} is not paused`);
    return this.thaw(rec, await this.rootfs(rec));
  }

  private async thaw(rec: ContainerRecord, rootfs: Rootfs): Promise<ContainerRecord> {
    if (!rootfs.resume) throw runtimeCannot('unpause a container');
    await rootfs.resume();
    return this.store.update(rec.Id, (c) => {
      if (c.State.Running) c.State = { ...c.State, Status: 'running', Paused: false };
      return c;
    });
  }

  /** `docker diff`: what the container changed, added and deleted, as moby lists it. */
  async changes(input: string): Promise<FileChange[]> {
    const rec = await this.find(input);
    const rootfs = await this.rootfs(rec);
    if (!rootfs.fileChanges) throw runtimeCannot("list a container's changes");
    return rootfs.fileChanges();
  }

  /** `docker top`: the host's ps (default `-ef`) over the running container's processes. */
  async top(input: string, psArgs = ''): Promise<ContainerTop> {
    const rec = await this.find(input);
    if (!rec.State.Running) throw notRunning(rec);
    const rootfs = await this.rootfs(rec);
    if (!rootfs.processes) throw runtimeCannot("list a container's processes");
    return topOf(await rootfs.processes(), psArgs);
  }

  /** `docker stats` (see statsSamples); a container not running gives moby's empty stats, or ends a stream at once. */
  async *stats(input: string, opts: StatsOptions = { stream: false }): AsyncGenerator<DockerStats> {
    const rec = await this.find(input);
    if (!rec.State.Running) {
      if (!opts.stream) yield emptyDockerStats(rec.Name, rec.Id);
      return;
    }
    const rootfs = await this.rootfs(rec);
    if (!rootfs.stats) throw runtimeCannot("read a container's counters");
    yield* statsSamples(rootfs.stats.bind(rootfs), rec, opts);
  }

  /** `rm`: a running container needs force (then SIGKILL); the rootfs and the record go. */
  async remove(input: string, opts: { force: boolean }): Promise<ContainerRecord> {
    const rec = await this.find(input);
    if (rec.State.Running) {
      if (!opts.force) {
        throw new BerthError('ERR_CONTAINER_CONFLICT', `You cannot remove a running container ${rec.Id}. Stop the container before attempting removal or force remove`);
      }
      await this.markStopped(rec.Id);
      const rootfs = await this.rootfs(rec);
      await this.signal(rootfs, 'SIGKILL');
      if (rec.State.Paused) await this.thaw(rec, rootfs).catch(() => undefined);
      await this.waitStopped(rec.Id, 10_000);
    }
    // When the image is gone (rmi -f), the container's own layer is reopened over nothing, to remove it.
    const rootfs = await this.rootfs(rec).catch(async () => (await this.runtimeOnce()).rootfs(rec.Id, []));
    await rootfs.remove();
    await this.store.remove(rec.Id);
    return rec;
  }

  /** SizeRw: the bytes of the container's own layer (0 when the runtime cannot tell). */
  async sizeRw(rec: ContainerRecord): Promise<number> {
    const rootfs = await this.rootfs(rec).catch(() => undefined);
    return (await rootfs?.size?.()) ?? 0;
  }

  /** moby's SizeRw and SizeRootFs: the container's own bytes, and those plus its image's (`ps -s`). */
  async sizes(rec: ContainerRecord, snapshot?: StoreSnapshot): Promise<{ SizeRw: number; SizeRootFs: number }> {
    const rw = await this.sizeRw(rec);
    const image = (snapshot ?? (await this.images.snapshot())).images.get(rec.Image as Digest);
    return { SizeRw: rw, SizeRootFs: rw + (image?.size ?? 0) };
  }

  /** `container prune`: every stopped container goes; their IDs, and their own layers' bytes (SizeRw) as the space reclaimed. */
  async prune(): Promise<{ deleted: string[]; reclaimed: number }> {
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const c of await this.list()) {
      if (c.State.Running) continue;
      const size = await this.sizeRw(c);
      await this.remove(c.Id, { force: false });
      deleted.push(c.Id);
      reclaimed += size;
    }
    return { deleted, reclaimed };
  }

  async commit(input: string, opts: CommitOptions, diffOptions: { sourceDateEpoch?: number } = {}): Promise<Digest> {
    const rec = await this.find(input);
    const rootfs = await this.rootfs(rec);
    return commitContainer(this.images, rec, rootfs.diff(diffOptions), opts);
  }

  /** `export`: the container's filesystem as a tar, written to `output`. */
  async export(input: string, output: NodeJS.WritableStream): Promise<void> {
    const rec = await this.find(input);
    const rootfs = await this.rootfs(rec);
    await exportTree(rootfs.path, output as import('node:stream').Writable);
  }

  /** `docker cp`'s stat of a path in the container's filesystem. */
  async statPath(input: string, path: string): Promise<ContainerPathStat> {
    const rec = await this.find(input);
    return statContainerPath((await this.rootfs(rec)).path, path, input);
  }

  /** `docker cp CONTAINER:PATH`: the path as a tar, written to `output`. */
  async archivePath(input: string, path: string, output: Writable): Promise<void> {
    const rec = await this.find(input);
    await archiveContainerPath((await this.rootfs(rec)).path, path, input, output);
  }

  /**
   * `docker cp SRC CONTAINER:DIR`: the tar's entries extracted into the directory `path`. With
   * `copyUIDGID` (`-a`) and a container user, every entry is that user's, as moby does; otherwise
   * the tar's owners stay.
   */
  async extractArchive(input: string, path: string, tar: Readable, options: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    const rec = await this.find(input);
    const root = (await this.rootfs(rec)).path;
    // moby looks the user up in the host's passwd; the container's own is the one that means something.
    const user = options.copyUIDGID && rec.Config.User ? await resolveUser(root, rec.Config.User) : undefined;
    await extractIntoRoot(root, path, tar, {
      ...(options.noOverwriteDirNonDir ? { noOverwriteDirNonDir: true } : {}),
      ...(user ? { owner: { uid: user.uid, gid: user.gid } } : {}),
      container: input,
    });
  }

  /**
   * `attach` to a container another process runs: what it writes from now on, read from its log,
   * until it stops (or `signal` aborts); resolves with the record as it ended.
   */
  async followOutput(input: string, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, signal?: AbortSignal): Promise<ContainerRecord> {
    const rec = await this.find(input);
    if (!rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', 'You cannot attach to a stopped container, start it first');
    const follow = async (): Promise<boolean> => !signal?.aborted && (await this.stillRunning(rec.Id));
    await readJsonLog(rec.LogPath, out, { since: Date.now(), follow });
    return (await this.store.get(rec.Id)) ?? rec;
  }

  async logs(input: string, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, opts: Omit<ReadLogOptions, 'follow'> & { follow?: boolean } = {}): Promise<void> {
    const rec = await this.find(input);
    const follow = opts.follow ? (): Promise<boolean> => this.stillRunning(rec.Id) : undefined;
    const { follow: _wanted, ...rest } = opts;
    await readJsonLog(rec.LogPath, out, { ...rest, ...(follow ? { follow } : {}) });
  }

  /**
   * After images are removed (`rmi`, `image prune`): the runtime's cache of unpacked layers that no
   * image and no container needs goes too, as Docker drops a removed image's layers. Runs under the
   * store's lock, so no image commit lands between reading what to keep and deleting.
   */
  async pruneRuntimeCache(): Promise<RuntimeCachePruneResult> {
    const runtime = await this.runtimeOnce();
    const result: RuntimeCachePruneResult = { layers: 0, bytes: 0 };
    if (!runtime.pruneCache) return result;
    await this.images.backend.metadata.update(() => undefined, {
      frees: true,
      afterCommit: async (snapshot) => {
        const keep = new Set<Digest>();
        for (const image of snapshot.images.values()) for (const chain of chainIds(image.layers.map((l) => l.diffID))) keep.add(chain);
        Object.assign(result, await runtime.pruneCache!(keep));
      },
    });
    return result;
  }

  /** The container's rootfs (made on first use, reopened after). */
  async rootfs(rec: ContainerRecord): Promise<Rootfs> {
    const snapshot = await this.images.snapshot();
    // Its image force-removed (rmi -f), a container that has run keeps its filesystem, as in
    // Docker: the runtime reopens it from what it recorded; one that never ran has none to reopen.
    if (!snapshot.images.has(rec.Image) && !isGoZeroTime(rec.State.StartedAt)) return (await this.runtimeOnce()).rootfs(rec.Id, []);
    const { record } = findImage(snapshot, rec.Image);
    const content = this.images.backend.content;
    const layers: RuntimeLayer[] = record.layers.map((l) => ({ diffID: l.diffID, open: () => content.get(l.digest) }));
    return (await this.runtimeOnce()).rootfs(rec.Id, layers);
  }

  private async runtimeOnce(): Promise<ContainerRuntime> {
    this.runtime ??= await this.openRuntime();
    return this.runtime;
  }

  /** Whether the container still runs, as its record says once a dead monitor is accounted for (`logs -f`, attach). */
  private async stillRunning(id: string): Promise<boolean> {
    const now = await this.store.get(id);
    return now ? (await this.reconcile(now)).State.Running : false;
  }

  private async markStopped(id: string): Promise<void> {
    await this.store.update(id, (c) => {
      c.State = { ...c.State, ManuallyStopped: true };
    });
  }

  private async signal(rootfs: Rootfs, signal: string): Promise<void> {
    if (!rootfs.kill) throw runtimeCannot('send signals');
    await rootfs.kill(signal.replace(/^SIG/i, '')).catch(() => {
      // The process may have ended between our read and the signal: the record tells.
    });
  }

  /** A record that says running while its monitor is gone (killed, machine rebooted) is exited. */
  private async reconcile(rec: ContainerRecord): Promise<ContainerRecord> {
    if (!rec.State.Running || alive(rec.State.Pid)) return rec;
    return this.store
      .update(rec.Id, (c) => {
        if (!c.State.Running || alive(c.State.Pid)) return c;
        c.State = { ...c.State, Status: 'exited', Running: false, Paused: false, Pid: 0, ExitCode: 255, Error: 'the process watching the container ended', FinishedAt: formatRFC3339Nano(new Date()) };
        return c;
      })
      .catch(() => rec);
  }
}

/** docker's answer to kill, pause and top on a container that is not running. */
function notRunning(rec: ContainerRecord): BerthError {
  return new BerthError('ERR_CONTAINER_CONFLICT', `Container ${rec.Id} is not running`);
}

/** For what a runtime plugin may leave out (pause, exec, stats…). */
function runtimeCannot(what: string): BerthError {
  return new BerthError('ERR_UNSUPPORTED', `the container runtime cannot ${what}`);
}

function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
