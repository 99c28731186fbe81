import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GO_ZERO_TIME, type ContainerRecord, type Digest } from '@berth/core';
import { FsContainerStore } from './container-store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'container-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (id: string, name: string): Omit<ContainerRecord, 'LogPath'> => ({
  Id: id.repeat(64).slice(0, 64), Created: '2026-11-28T10:00:00Z', Name: name, Path: 'sh', Args: [], Image: `sha256:${'a'.repeat(64)}` as Digest,
  Config: {}, HostConfig: { Binds: [], NetworkMode: 'none', AutoRemove: false },
  State: { Status: 'created', Running: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: GO_ZERO_TIME, FinishedAt: GO_ZERO_TIME },
});

describe('FsContainerStore', () => {
  it('creates, updates, lists and removes records', async () => {
    const s = new FsContainerStore(dir);
    const c = await s.create(rec('1', '/web'));
    expect(c.LogPath).toBe(join(dir, 'containers', c.Id, `${c.Id}-json.log`));
    await s.update(c.Id, (r) => {
      r.State.ExitCode = 7;
    });
    expect((await s.get(c.Id))?.State.ExitCode).toBe(7);
    expect((await s.list()).map((r) => r.Name)).toEqual(['/web']);
    await s.remove(c.Id);
    expect(await s.list()).toEqual([]);
    await expect(s.update(c.Id, () => {})).rejects.toThrow(`No such container: ${c.Id}`);
  });

  it('one name, one container: two stores (processes) racing for it, one wins with docker\'s message', async () => {
    const results = await Promise.allSettled([new FsContainerStore(dir).create(rec('1', '/web')), new FsContainerStore(dir).create(rec('2', '/web'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(failed.reason.message)).toMatch(/^Conflict\. The container name "\/web" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/);
  });

  it('renames under the lock; a taken name is refused', async () => {
    const s = new FsContainerStore(dir);
    const a = await s.create(rec('1', '/a'));
    await s.create(rec('2', '/b'));
    expect((await s.rename(a.Id, '/c')).Name).toBe('/c');
    expect((await s.get(a.Id))?.Name).toBe('/c');
    await expect(s.rename(a.Id, '/b')).rejects.toThrow(/^Error when allocating new name: Conflict\. The container name "\/b" is already in use/);
  });
});
