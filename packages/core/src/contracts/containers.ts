// The container-records contract: what `run`, `ps`, `logs`, `stop`, `start`, `rm`, `commit` (and
// `rmi`, which refuses images in use) keep about a container. The fields follow Docker's
// container inspect (`Id`, `Name`, `State`, `Config`, `HostConfig`), so the Engine API face can
// hand them out as they are. A store backend keeps them beside its images, safe across processes.
import type { ContainerConfig } from '../config.js';
import type { Digest } from '../digest.js';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  /** Frozen by `pause` (still Running, as Docker's). */
  Paused?: boolean;
  /** Waiting to be started again by its restart policy (Running too, Pid the monitor's, as moby). */
  Restarting?: boolean;
  /** `stop` (or a kill with SIGKILL or the stop signal) asked for the end: no restart follows. Not shown by inspect. */
  ManuallyStopped?: boolean;
  /** The monitor's pid while running (the process that waits for the container), 0 otherwise. */
  Pid: number;
  ExitCode: number;
  /** Why the start failed (no such executable…), as Docker's State.Error. */
  Error: string;
  /** RFC 3339 with nanoseconds; Go's zero time `0001-01-01T00:00:00Z` when never started/finished. */
  StartedAt: string;
  FinishedAt: string;
}

export interface RestartPolicy {
  Name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

export interface ContainerHostConfig {
  /** `-v SRC:DST[:ro]` as given. */
  Binds: string[];
  NetworkMode: 'host' | 'none';
  AutoRemove: boolean;
  /** `--restart`: `no`, `always`, `unless-stopped` or `on-failure` (with at most MaximumRetryCount restarts, 0 for no limit). */
  RestartPolicy?: RestartPolicy;
  /** `--read-only`: the rootfs mounted read-only. */
  ReadonlyRootfs?: boolean;
  /** `-m`: the memory limit in bytes (0 for none). */
  Memory?: number;
  /** `--cpus` in billionths of a CPU (0 for none). */
  NanoCpus?: number;
}

export interface ContainerRecord {
  /** 64 hex, like Docker's. */
  Id: string;
  Created: string;
  /** As Docker keeps it: with a leading slash (`/web`). */
  Name: string;
  /** argv[0] and the rest: Entrypoint + Cmd resolved. */
  Path: string;
  Args: string[];
  /** The image's ID (sha256:…). */
  Image: Digest;
  /** The image config merged with `run`'s options; `Config.Image` is the name as typed. */
  Config: ContainerConfig;
  HostConfig: ContainerHostConfig;
  State: ContainerState;
  /** The json-file log (Docker's format: one `{"log","stream","time"}` object a line). */
  LogPath: string;
  /** Restarts made by the restart policy since the last start. */
  RestartCount?: number;
}

export interface ContainerStore {
  /** Every container, in no particular order. */
  list(): Promise<ContainerRecord[]>;
  get(id: string): Promise<ContainerRecord | undefined>;
  /**
   * Records a new container; the name is checked under the lock, so two processes cannot both
   * take it (ERR_CONFLICT with Docker's message). `LogPath` is filled in by the store.
   */
  create(record: Omit<ContainerRecord, 'LogPath'>): Promise<ContainerRecord>;
  /** Changes a record under the lock; `change` sees the current record (undefined once removed). */
  update(id: string, change: (current: ContainerRecord) => ContainerRecord | void): Promise<ContainerRecord>;
  /** Gives a container another name, checked under the lock as `create` checks it. */
  rename(id: string, name: string): Promise<ContainerRecord>;
  /** Deletes the record and its logs. */
  remove(id: string): Promise<void>;
}

/** Go's zero time as Docker prints it for a state that never happened. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
