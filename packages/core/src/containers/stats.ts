// `docker stats`: a running container's cgroup counters in the Engine API's StatsJSON (as moby's
// stats collector fills it on cgroup v1: the memory limit capped at the machine's memory, the
// system's CPU time from /proc/stat) and the row docker's CLI computes from two samples.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism, totalmem } from 'node:os';
import type { ContainerRecord } from '../contracts/containers.js';
import type { RuntimeStats } from '../contracts/runtime.js';
import { bytesSize, humanSizeWithPrecision } from '../format/units.js';
import { formatRFC3339Nano } from './time.js';

interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** The Engine API's StatsJSON (the fields a cgroup v1 host fills; no networks with `none`/`host`). */
export interface DockerStats {
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: { io_service_bytes_recursive: BlkioEntry[] | null; io_serviced_recursive: null; io_queue_recursive: null; io_service_time_recursive: null; io_wait_time_recursive: null; io_merged_recursive: null; io_time_recursive: null; sectors_recursive: null };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; failcnt?: number; limit?: number };
  name: string;
  id: string;
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
const CLOCK_TICKS_PER_SECOND = 100;

function emptyCpu(): CpuStats {
  return { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } };
}

/** What moby answers for a container that is not running: its name and ID, every counter zero. */
export function emptyDockerStats(name: string, id: string): DockerStats {
  return {
    read: GO_ZERO_TIME,
    preread: GO_ZERO_TIME,
    pids_stats: {},
    blkio_stats: blkio(null),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
    name,
    id,
  };
}

function blkio(entries: BlkioEntry[] | null): DockerStats['blkio_stats'] {
  return { io_service_bytes_recursive: entries, io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null, io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null };
}

/** The host's CPU time in nanoseconds: /proc/stat's first line, user through softirq, as moby sums it. */
export async function systemCpuUsageNs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith('cpu '));
  const ticks = (line ?? '').trim().split(/\s+/).slice(1, 8).reduce((sum, v) => sum + Number(v), 0);
  return (ticks * 1e9) / CLOCK_TICKS_PER_SECOND;
}

/** One sample as StatsJSON; `previous` (the last sample of the same stream) fills the pre fields. */
export function dockerStatsOf(sample: RuntimeStats, at: { name: string; id: string; read: Date; systemNs: number }, previous?: DockerStats): DockerStats {
  const machine = totalmem();
  return {
    read: formatRFC3339Nano(at.read),
    preread: previous?.read ?? GO_ZERO_TIME,
    pids_stats: { current: sample.pids.current, ...(sample.pids.limit > 0 ? { limit: sample.pids.limit } : {}) },
    blkio_stats: blkio(sample.blkio.length > 0 ? sample.blkio : null),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: {
      cpu_usage: { total_usage: sample.cpu.totalNs, percpu_usage: sample.cpu.perCpuNs, usage_in_kernelmode: sample.cpu.kernelNs, usage_in_usermode: sample.cpu.userNs },
      system_cpu_usage: at.systemNs,
      online_cpus: availableParallelism(),
      throttling_data: { periods: sample.cpu.throttling.periods, throttled_periods: sample.cpu.throttling.throttledPeriods, throttled_time: sample.cpu.throttling.throttledTimeNs },
    },
    precpu_stats: previous?.cpu_stats ?? emptyCpu(),
    memory_stats: {
      usage: sample.memory.usage,
      max_usage: sample.memory.maxUsage,
      stats: sample.memory.stats,
      ...(sample.memory.failcnt > 0 ? { failcnt: sample.memory.failcnt } : {}),
      // An unlimited cgroup says 2^63: the machine's memory is the real bound.
      limit: machine > 0 && sample.memory.limit > machine ? machine : sample.memory.limit,
    },
    name: at.name,
    id: at.id,
  };
}

export interface StatsOptions {
  stream: boolean;
  oneShot?: boolean;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * StatsJSON samples of a running container a second apart, each with the one before as its
 * `precpu`, as moby's collector gives them. Without `stream`, one sample: the second (the first
 * primes the CPU counters), or with `oneShot` the first. A container that stops gives moby's
 * empty stats without `stream`, and ends a stream.
 */
export async function* statsSamples(counters: () => Promise<RuntimeStats>, rec: ContainerRecord, opts: StatsOptions): AsyncGenerator<DockerStats> {
  let previous: DockerStats | undefined;
  const sample = async (): Promise<DockerStats | undefined> => {
    const [now, systemNs] = await Promise.all([counters().catch(() => undefined), systemCpuUsageNs()]);
    if (!now) return undefined;
    previous = dockerStatsOf(now, { name: rec.Name, id: rec.Id, read: new Date(), systemNs }, previous);
    return previous;
  };
  const pause = (): Promise<unknown> => sleep(opts.intervalMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => undefined);
  if (!opts.stream && !opts.oneShot) {
    if (!(await sample())) return void (yield emptyDockerStats(rec.Name, rec.Id));
    await pause();
  }
  for (;;) {
    if (opts.signal?.aborted) return;
    const s = await sample();
    if (!s) {
      if (!opts.stream) yield emptyDockerStats(rec.Name, rec.Id);
      return;
    }
    yield s;
    if (!opts.stream) return;
    await pause();
  }
}

/** A stats table row as docker's CLI computes it (cli/command/container/stats_helpers.go). */
export interface StatsRow {
  ID: string;
  Container: string;
  Name: string;
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
}

export function statsRow(s: DockerStats, container: string, noTrunc = false): StatsRow {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  const cpu = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const m = s.memory_stats;
  const usage = m.usage ?? 0;
  // Page cache the kernel can drop does not count: cgroup v1's total_inactive_file, v2's inactive_file.
  const inactive = m.stats?.['total_inactive_file'] ?? m.stats?.['inactive_file'];
  const mem = inactive !== undefined && inactive < usage ? usage - inactive : usage;
  const limit = m.limit ?? 0;
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    if (e.op.toLowerCase() === 'read') read += e.value;
    else if (e.op.toLowerCase() === 'write') write += e.value;
  }
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  const id = s.id === '' ? container : s.id;
  return {
    ID: noTrunc ? id : id.slice(0, 12),
    Container: container,
    Name: s.name.replace(/^\//, '') || '--',
    CPUPerc: `${cpu.toFixed(2)}%`,
    MemUsage: `${bytesSize(mem)} / ${bytesSize(limit)}`,
    MemPerc: `${(limit > 0 ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    NetIO: `${humanSizeWithPrecision(rx, 3)} / ${humanSizeWithPrecision(tx, 3)}`,
    BlockIO: `${humanSizeWithPrecision(read, 3)} / ${humanSizeWithPrecision(write, 3)}`,
    PIDs: String(s.pids_stats.current ?? 0),
  };
}
