// The runtime contract: what `run`, `commit` and a Dockerfile's RUN need from a container
// runtime. A runtime turns an image's layers into a writable rootfs, runs one process in it, and
// gives back the filesystem changes as a layer tar. Containers' records (names, state, logs)
// belong to the runtime plugin; core only asks which images they use (`rmi` refuses those).
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../digest.js';

/** One layer of the image a rootfs is made from, bottom first. */
export interface RuntimeLayer {
  /** sha256 of the uncompressed tar: with the layers below it, the chainID the unpack cache keys on. */
  diffID: Digest;
  /** The blob as stored (possibly compressed); opened only on a cache miss. */
  open(): Promise<Readable>;
}

export interface BindMount {
  source: string;
  destination: string;
  readonly: boolean;
}

export interface ProcessSpec {
  /** argv, already resolved from Entrypoint + Cmd (or a RUN's shell form). */
  args: string[];
  env: string[];
  /** Absolute path inside the rootfs; created when missing, as Docker does. */
  cwd: string;
  /** `user`, `user:group`, `uid` or `uid:gid`, resolved against the rootfs's /etc/passwd and /etc/group. */
  user: string;
  hostname?: string;
  network: 'none' | 'host';
  mounts?: BindMount[];
  tty?: boolean;
  /** The rootfs mounted read-only (`--read-only`). */
  readonlyRootfs?: boolean;
  /** cgroup limits: `memory` bytes (`-m`), `nanoCpus` billionths of a CPU (`--cpus`). */
  limits?: { memory?: number; nanoCpus?: number };
}

/** One more process in a running container (`exec`): the container's namespaces and rootfs. */
export interface ExecSpec {
  args: string[];
  /** The whole environment (the container's, then `-e`); the runtime adds PATH, HOSTNAME, HOME when missing. */
  env: string[];
  cwd: string;
  user: string;
  hostname?: string;
  tty?: boolean;
  /** `exec -d`: started and left running; resolves with 0 once it runs. */
  detach?: boolean;
}

export interface ProcessIO {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Called once the process runs (not when the runtime failed to start it): `run -d` waits for it. */
  started?: () => void;
}

export interface DiffOptions {
  /** Clamp every mtime to this (SOURCE_DATE_EPOCH), for reproducible layers. */
  sourceDateEpoch?: number;
}

/** A container's filesystem: the image's layers below, the container's changes on top. */
export interface Rootfs {
  readonly id: string;
  /** Where the merged tree is visible on the host while the rootfs is mounted. */
  readonly path: string;
  /**
   * The changes since creation as an uncompressed OCI layer tar: deletions as `.wh.` entries,
   * replaced directories as `.wh..wh..opq`, entries sorted by path so equal trees give equal bytes.
   */
  diff(options?: DiffOptions): Readable;
  /** Runs one process in the rootfs and resolves with its exit code (128 + n when killed by signal n). */
  run(spec: ProcessSpec, io: ProcessIO, signal?: AbortSignal): Promise<{ exitCode: number }>;
  /**
   * Runs one more process in the running container and resolves with its exit code; a process
   * that cannot start rejects with `exitCode` 126/127 as Docker's. Optional.
   */
  exec?(spec: ExecSpec, io: ProcessIO, signal?: AbortSignal): Promise<{ exitCode: number }>;
  /**
   * Sends a signal (`TERM`, `KILL`, `SIGUSR1`, `9`…) to the running process, from any berth
   * process (`stop`, `rm -f`); optional for runtimes that cannot.
   */
  kill?(signal: string): Promise<void>;
  /** Freezes and thaws every process of the running container (`docker pause`/`unpause`). Optional. */
  pause?(): Promise<void>;
  resume?(): Promise<void>;
  /** The host PIDs of the running container's processes (`docker top`). Optional. */
  processes?(): Promise<number[]>;
  /** The running container's cgroup counters (`docker stats`). Optional. */
  stats?(): Promise<RuntimeStats>;
  /** The container's changes as `docker diff` lists them (paths absolute, in walk order). Optional. */
  fileChanges?(): Promise<FileChange[]>;
  /** Unmounts and deletes the container's layer; the cached image layers stay. */
  remove(): Promise<void>;
  /**
   * Bytes of the container's own layer, as Docker's SizeRw: every changed entry but directories
   * (a file's length, a symlink's target length), each inode once. Optional.
   */
  size?(): Promise<number>;
}

/** One entry of `docker diff`. */
export interface FileChange {
  path: string;
  kind: 'modified' | 'added' | 'deleted';
}

/** A running container's cgroup counters, in runc's terms (`runc events --stats`). */
export interface RuntimeStats {
  cpu: { totalNs: number; perCpuNs: number[]; kernelNs: number; userNs: number; throttling: { periods: number; throttledPeriods: number; throttledTimeNs: number } };
  /** Bytes; `limit` is the cgroup's (huge when unlimited); `stats` the cgroup's memory.stat. */
  memory: { usage: number; maxUsage: number; limit: number; failcnt: number; stats: Record<string, number> };
  pids: { current: number; limit: number };
  /** Bytes read and written per device (`op` as the cgroup names it: `Read`, `Write`, `Total`…). */
  blkio: { major: number; minor: number; op: string; value: number }[];
}

export interface ContainerRuntime {
  /** `runc`, `crun`: for messages and `info`. */
  readonly name: string;
  /** Makes (or reopens, for an existing id) a writable rootfs over `layers`. */
  rootfs(id: string, layers: readonly RuntimeLayer[]): Promise<Rootfs>;
  /**
   * Deletes what the runtime cached for layer chains outside `keep` (chainIDs) that no existing
   * container stands on; called under the store's lock after images are removed. Optional: a
   * runtime without a cache has nothing to give back.
   */
  pruneCache?(keep: ReadonlySet<Digest>): Promise<RuntimeCachePruneResult>;
}

export interface RuntimeCachePruneResult {
  /** Unpacked layers deleted. */
  layers: number;
  /** Bytes of files deleted with them (unpacked layers, init layers, merged trees). */
  bytes: number;
}

export interface RuntimeFactoryOptions {
  /** The store's root: the runtime keeps its unpack cache and containers beside the store. */
  root: string;
}
