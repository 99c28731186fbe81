import { describe, expect, it } from 'vitest';
import { GO_ZERO_TIME, type ContainerRecord, type ContainerStore } from '../contracts/containers.js';
import type { Digest } from '../digest.js';
import { checkContainerName, randomContainerName } from './names.js';
import { containerCommand, containerImageColumn, containerStatus } from './status.js';
import { newContainerRecord, parseBind, parseEnvFile, parseLabelFlags, parseRestartPolicy, resolveEnvFlags } from './create.js';
import { restartWanted, runWithRestartPolicy } from './restart-policy.js';
import { findContainer } from './lookup.js';
import { formatRFC3339Nano } from './time.js';

const IMG = `sha256:${'ab'.repeat(32)}` as Digest;

function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  const base = newContainerRecord({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['sh'], Env: ['PATH=/bin', 'A=image'] } }, {
    imageName: 'busybox', imageId: IMG, cmd: ['sh', '-c', 'echo hello > /f'], name: '/job', now: new Date('2026-11-28T10:00:00Z'),
  });
  return { ...base, LogPath: '/dev/null', ...over };
}

describe('container names', () => {
  it('generates adjective_surname and never boring_wozniak; a retry adds a digit', () => {
    for (let i = 0; i < 200; i++) {
      const n = randomContainerName();
      expect(n).toMatch(/^[a-z]+_[a-z]+$/);
      expect(n).not.toBe('boring_wozniak');
    }
    expect(randomContainerName(1)).toMatch(/^[a-z]+_[a-z]+\d$/);
  });

  it('checks names as the daemon does', () => {
    expect(checkContainerName('web')).toBe('/web');
    expect(() => checkContainerName('-x')).toThrow('Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
    expect(() => checkContainerName('a')).toThrow('Invalid container name (a)');
  });
});

describe('ps columns', () => {
  const now = new Date('2026-11-28T10:01:00Z');
  it('statuses: Created, Up, Exited (n) … ago', () => {
    expect(containerStatus(record(), now)).toBe('Created');
    const up = record({ State: { Status: 'running', Running: true, Pid: process.pid, ExitCode: 0, Error: '', StartedAt: '2026-11-28T10:00:57.5Z', FinishedAt: GO_ZERO_TIME } });
    expect(containerStatus(up, now)).toBe('Up 2 seconds');
    const exited = record({ State: { Status: 'exited', Running: false, Pid: 0, ExitCode: 3, Error: '', StartedAt: '2026-11-28T10:00:01Z', FinishedAt: '2026-11-28T10:00:55.123456789Z' } });
    expect(containerStatus(exited, now)).toBe('Exited (3) 4 seconds ago');
  });

  it('command: arguments with a space in single quotes', () => {
    expect(containerCommand(record())).toBe("sh -c 'echo hello > /f'");
    expect(containerCommand(record({ Path: 'top', Args: [] }))).toBe('top');
  });

  it('image column: familiar name, the ID when the name moved', () => {
    const c = record();
    expect(containerImageColumn(c, IMG, true)).toBe('busybox');
    expect(containerImageColumn({ ...c, Config: { ...c.Config, Image: 'docker.io/library/busybox:1' } }, IMG, true)).toBe('busybox:1');
    expect(containerImageColumn(c, `sha256:${'cd'.repeat(32)}`, true)).toBe('abababababab');
    expect(containerImageColumn(c, undefined, false)).toBe(IMG);
  });
});

describe('new container records', () => {
  it('merges run options over the image config as moby does', () => {
    const r = record();
    expect(r.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(r.Config.Hostname).toBe(r.Id.slice(0, 12));
    expect(r.Config.Cmd).toEqual(['sh', '-c', 'echo hello > /f']);
    expect(r.Path).toBe('sh');
    expect(r.Args).toEqual(['-c', 'echo hello > /f']);
    expect(r.Config.Env).toEqual(['PATH=/bin', 'A=image']);
    expect(r.Created).toBe('2026-11-28T10:00:00Z');
    expect(r.State.StartedAt).toBe(GO_ZERO_TIME);
  });

  it('user env first, then image keys not overridden; --entrypoint "" clears the entrypoint', () => {
    const r = newContainerRecord({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Entrypoint: ['/ep'], Cmd: ['x'], Env: ['A=image', 'B=image'] } }, {
      imageName: 'i', imageId: IMG, cmd: ['echo', 'hi'], env: ['B=user'], entrypoint: '', name: '/n',
    });
    expect(r.Config.Env).toEqual(['B=user', 'A=image']);
    expect(r.Config.Entrypoint).toBeNull();
    expect([r.Path, ...r.Args]).toEqual(['echo', 'hi']);
    const keep = newContainerRecord({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Entrypoint: ['/ep'], Cmd: ['x'] } }, { imageName: 'i', imageId: IMG, cmd: [], name: '/n' });
    expect([keep.Path, ...keep.Args]).toEqual(['/ep', 'x']);
  });

  it('-e NAME takes the value from the environment; -v needs absolute paths', () => {
    expect(resolveEnvFlags(['A=1', 'HOMEX', 'UNSET_X'], { HOMEX: 'h' })).toEqual(['A=1', 'HOMEX=h']);
    expect(parseBind('/src:/dst:ro')).toEqual({ source: '/src', destination: '/dst', readonly: true });
    expect(() => parseBind('vol:/dst')).toThrow('named volumes are not supported');
  });

  it('--env-file and -l as docker\'s CLI reads them', () => {
    expect(parseEnvFile('\uFEFF# c\n  A= spaced value \nB\nC\n\nD=x=y\r\n', 'f', { B: 'b' })).toEqual(['A= spaced value ', 'B=b', 'D=x=y']);
    expect(() => parseEnvFile('A B=1\n', 'f', {})).toThrow("variable 'A B' contains whitespaces");
    expect(() => parseEnvFile('=1\n', 'f', {})).toThrow("no variable name on line '=1' in f");
    expect(parseLabelFlags(['a=b', 'c', 'd=e=f'])).toEqual({ a: 'b', c: '', d: 'e=f' });
    expect(() => parseLabelFlags(['=x'])).toThrow('empty name');
  });

  it('--restart as docker reads and dockerd checks it; the restart manager\'s decision', () => {
    expect(parseRestartPolicy('on-failure:3')).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(parseRestartPolicy('always')).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(parseRestartPolicy('')).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(() => parseRestartPolicy('always:1')).toThrow("maximum retry count cannot be used with restart policy 'always'");
    expect(() => parseRestartPolicy('on-failure:-1')).toThrow('maximum retry count cannot be negative');
    expect(() => parseRestartPolicy('x')).toThrow("invalid restart policy 'x'");
    const onFailure = { Name: 'on-failure', MaximumRetryCount: 2 } as const;
    expect([restartWanted(onFailure, 1, 0), restartWanted(onFailure, 1, 2), restartWanted(onFailure, 0, 0)]).toEqual([true, false, false]);
    expect(restartWanted({ Name: 'on-failure', MaximumRetryCount: 0 }, 1, 99)).toBe(true);
    expect([restartWanted({ Name: 'always', MaximumRetryCount: 0 }, 0, 5), restartWanted({ Name: 'no', MaximumRetryCount: 0 }, 1, 0)]).toEqual([true, false]);
  });
});

describe('findContainer', () => {
  it('full ID, then name, then a unique prefix', () => {
    const a = record({ Id: `aa${'0'.repeat(62)}`, Name: '/one' });
    const b = record({ Id: `ab${'0'.repeat(62)}`, Name: '/two' });
    expect(findContainer([a, b], 'two').Id).toBe(b.Id);
    expect(findContainer([a, b], 'aa').Id).toBe(a.Id);
    expect(() => findContainer([a, b], 'a')).toThrow('multiple IDs found with provided prefix: a');
    expect(() => findContainer([a, b], 'zz')).toThrow('No such container: zz');
  });
});

describe('times', () => {
  it('RFC 3339 with the fraction trimmed', () => {
    expect(formatRFC3339Nano(new Date('2026-11-28T10:00:00.120Z'))).toBe('2026-11-28T10:00:00.12Z');
  });
});

describe('the restart loop', () => {
  /** A store in memory and a runAttached that records what a starting run sees, as ContainerService does. */
  function runner(exits: number[], duringStart: (store: ContainerStore) => Promise<void> = async () => undefined) {
    let rec = record({ HostConfig: { ...record().HostConfig, RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } } });
    const store: ContainerStore = {
      list: async () => [rec],
      get: async () => rec,
      create: async () => rec,
      rename: async () => rec,
      remove: async () => undefined,
      update: async (_id, change) => {
        const next = structuredClone(rec);
        rec = change(next) ?? next;
        return rec;
      },
    };
    const seenAtStart: string[] = [];
    const runAttached = async (_id: string, _io?: unknown, _signal?: AbortSignal, opts: { restart?: boolean } = {}): Promise<number> => {
      seenAtStart.push(`${rec.State.Status} running=${rec.State.Running} restart=${opts.restart ?? false}`);
      await duringStart(store);
      return exits.shift() ?? 0;
    };
    return { store, seenAtStart, runAttached, current: () => rec };
  }

  it('keeps a restarting container Running until its process starts, so a stop is never lost', async () => {
    const r = runner([1, 1]);
    let stops = 0;
    const code = await runWithRestartPolicy(r, 'c', {
      exited: () => {
        // A stop by hand after the second run's end, while the restart waits.
        if (++stops === 2) void r.store.update('c', (c) => void (c.State.ManuallyStopped = true));
      },
    });
    expect(code).toBe(1);
    expect(r.seenAtStart).toEqual(['created running=false restart=false', 'restarting running=true restart=true']);
    expect(r.current().State).toMatchObject({ Status: 'exited', Running: false, Restarting: false, ManuallyStopped: true });
    expect(r.current().RestartCount).toBe(2);
  });

  it('ends when a stop comes as a restart starts: no further run', async () => {
    let starts = 0;
    const r = runner([1, 0, 0], async (store) => {
      if (++starts === 2) await store.update('c', (c) => void (c.State.ManuallyStopped = true));
    });
    await runWithRestartPolicy(r, 'c');
    expect(r.seenAtStart).toHaveLength(2);
  });
});
