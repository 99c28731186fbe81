import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RuntimeStats } from '../contracts/runtime.js';
import { dockerStatsOf, emptyDockerStats, statsRow } from './stats.js';

const sample = (cpuNs: number, usage: number): RuntimeStats => ({
  cpu: { totalNs: cpuNs, perCpuNs: [cpuNs, 0], kernelNs: 0, userNs: cpuNs, throttling: { periods: 0, throttledPeriods: 0, throttledTimeNs: 0 } },
  memory: { usage, maxUsage: usage, limit: 2 ** 63, failcnt: 0, stats: { total_inactive_file: 1024 * 1024 } },
  pids: { current: 3, limit: 0 },
  blkio: [{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 2_000_000 }, { major: 8, minor: 0, op: 'Total', value: 2_004_096 }],
});

describe('docker stats: StatsJSON and the CLI\'s row', () => {
  it('CPU % from two samples, memory without inactive page cache, the limit capped at the machine', () => {
    const first = dockerStatsOf(sample(1e9, 3 * 1024 * 1024), { name: '/web', id: 'a'.repeat(64), read: new Date(0), systemNs: 100e9 });
    const second = dockerStatsOf(sample(1.5e9, 3 * 1024 * 1024), { name: '/web', id: 'a'.repeat(64), read: new Date(1000), systemNs: 102e9 }, first);
    expect(second.precpu_stats).toEqual(first.cpu_stats);
    expect(second.preread).toBe(first.read);
    expect(second.memory_stats.limit).toBe(totalmem());
    const row = statsRow(second, 'web');
    const cpus = second.cpu_stats.online_cpus!;
    // 0.5 s of the container's CPU over 2 s of the host's, times the CPUs.
    expect(row.CPUPerc).toBe(`${((0.5 / 2) * cpus * 100).toFixed(2)}%`);
    expect(row.MemUsage.split(' / ')[0]).toBe('2MiB');
    expect(row).toMatchObject({ ID: 'aaaaaaaaaaaa', Name: 'web', NetIO: '0B / 0B', BlockIO: '4.1kB / 2MB', PIDs: '3' });
    // A first sample has no pre: measured from zero, as docker's CLI does with one-shot stats.
    expect(statsRow(first, 'web').CPUPerc).toBe(`${((1 / 100) * cpus * 100).toFixed(2)}%`);
  });

  it('a container that is not running: moby\'s empty stats, a row of zeros', () => {
    const empty = emptyDockerStats('/idle', 'b'.repeat(64));
    expect(empty.read).toBe('0001-01-01T00:00:00Z');
    expect(statsRow(empty, 'idle')).toMatchObject({ Name: 'idle', CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', PIDs: '0' });
  });
});
