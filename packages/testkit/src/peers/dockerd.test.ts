import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { busyboxRootfs } from '../fixtures/busybox-rootfs.js';
import { rootfsTar } from '../fixtures/rootfs-tar.js';
import { startDockerd } from './dockerd.js';
import { expectSuccess } from './run.js';

const mountsUnder = async (dir: string) =>
  (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4]?.startsWith(dir));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startDockerd', () => {
  it(
    'stops a daemon with a container still running and leaves no process, mount or directory behind',
    async () => {
      const peer = await startDockerd();
      const dir = peer.socket.replace(/\/docker\.sock$/, '');
      try {
        expect(peer.host).toBe(`unix://${peer.socket}`);
        // The CLI must talk to this daemon even when the caller's DOCKER_HOST points elsewhere.
        const info = expectSuccess(
          await peer.docker(['info', '--format', '{{.DockerRootDir}}'], { env: {} }),
          'docker info',
        );
        expect(info.stdout.trim()).toBe(peer.dataRoot);
        const rootfs = await busyboxRootfs(`${dir}/rootfs`);
        const tar = await rootfsTar(rootfs, `${dir}/rootfs.tar`);
        expectSuccess(await peer.docker(['import', tar, 'leftover:1']), 'docker import');
        expectSuccess(await peer.docker(['run', '-d', '--network', 'none', 'leftover:1', '/bin/sleep', '600']), 'docker run -d');
        expect((await mountsUnder(dir)).length).toBeGreaterThan(0);
      } finally {
        await peer.stop();
      }
      expect(alive(peer.pid)).toBe(false);
      expect(await mountsUnder(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
      await peer.stop(); // idempotent
    },
    90_000,
  );

  it(
    'cleans up after a daemon that was killed hard with a container running',
    async () => {
      const peer = await startDockerd();
      const dir = peer.socket.replace(/\/docker\.sock$/, '');
      let containerPid = 0;
      try {
        const tar = await rootfsTar(await busyboxRootfs(`${dir}/rootfs`), `${dir}/rootfs.tar`);
        expectSuccess(await peer.docker(['import', tar, 'orphan:1']), 'docker import');
        const id = expectSuccess(await peer.docker(['run', '-d', '--network', 'none', 'orphan:1', '/bin/sleep', '600']), 'docker run -d');
        const pid = expectSuccess(await peer.docker(['inspect', '--format', '{{.State.Pid}}', id.stdout.trim()]), 'docker inspect');
        containerPid = Number(pid.stdout.trim());
        expect(alive(containerPid)).toBe(true);
        process.kill(peer.pid, 'SIGKILL');
      } finally {
        await peer.stop();
      }
      // SIGKILL is delivered asynchronously; give the kernel a moment to reap the container.
      for (let i = 0; i < 50 && alive(containerPid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(containerPid)).toBe(false);
      expect(await mountsUnder(dir)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    },
    90_000,
  );

  it('ignores DOCKER_HOST of the calling environment', async () => {
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = 'unix:///nonexistent/docker.sock';
    const peer = await startDockerd().finally(() => {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    });
    try {
      expectSuccess(await peer.docker(['version']), 'docker version');
    } finally {
      await peer.stop();
    }
  }, 60_000);

  it('fails with the daemon log when dockerd cannot start, and cleans up', async () => {
    const error = await startDockerd({ extraArgs: ['--berth-no-such-flag'] }).catch((err: unknown) => err as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/dockerd exited before it answered \/_ping/);
    expect(error.message).toMatch(/--- dockerd log \(.*\) ---\n[\s\S]*berth-no-such-flag/);
    const logPath = /dockerd log \((.*)\)/.exec(error.message)?.[1] ?? '';
    expect(existsSync(logPath.replace(/\/dockerd\.log$/, ''))).toBe(false);
  }, 60_000);
});
