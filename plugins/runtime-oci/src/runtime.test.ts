import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeLayer } from '@berth/core';
import { openOciRuntime, type OciRuntime } from './runtime.js';
import { busyboxLayer, runIn, spec, tempDir } from './fixtures.test-support.js';

describe('running processes with runc', () => {
  const oci = 'runc';
  let dir: string;
  let runtime: OciRuntime;
  let base: RuntimeLayer;
  let n = 0;
  const newRootfs = () => runtime.rootfs(`${oci}-c${++n}-${process.pid}`, [base]);

  beforeAll(async () => {
    dir = await tempDir(oci);
    base = (await busyboxLayer(dir)).layer;
    runtime = await openOciRuntime({ root: join(dir, 'store'), ociRuntime: oci });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('captures stdout and stderr and returns the exit code, 128 + n for a signal', async () => {
    const rootfs = await newRootfs();
    try {
      expect(await runIn(rootfs, spec(['sh', '-c', 'echo out; echo err >&2; exit 3']))).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
      expect((await runIn(rootfs, spec(['cat', '/hello.txt']))).stdout).toBe('hello from berth\n');
    } finally {
      await rootfs.remove();
    }
  });

  it('a missing executable is Docker\'s 127 with the runtime\'s reason', async () => {
    const rootfs = await newRootfs();
    try {
      const err = await runIn(rootfs, spec(['/nope'])).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 127, message: expect.stringMatching(/nope/) });
    } finally {
      await rootfs.remove();
    }
  });

  it('env, working directory (made when missing) and user from /etc/passwd', async () => {
    const rootfs = await newRootfs();
    try {
      const r = await runIn(rootfs, spec(['sh', '-c', 'echo "$FOO|$HOME|$PATH|$HOSTNAME"; pwd; id -u; id -g; hostname'], {
        env: ['FOO=bar'], cwd: '/work/here', user: 'nobody', hostname: 'box',
      }));
      expect(r).toMatchObject({ exitCode: 0, stdout: 'bar|/nonexistent|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|box\n/work/here\n65534\n65534\nbox\n' });
      expect((await runIn(rootfs, spec(['id'], { user: '1234:nogroup' }))).stdout).toBe('uid=1234 gid=65534(nogroup)\n');
      await expect(runIn(rootfs, spec(['id'], { user: 'ghost' }))).rejects.toMatchObject({ message: 'unable to find user ghost: no matching entries in passwd file' });
    } finally {
      await rootfs.remove();
    }
  });

  it('network none has only lo; host sees the host interfaces', async () => {
    const rootfs = await newRootfs();
    try {
      const none = await runIn(rootfs, spec(['ls', '/sys/class/net']));
      expect(none.stdout.split(/\s+/).filter(Boolean)).toEqual(['lo']);
      const host = await runIn(rootfs, spec(['ls', '/sys/class/net'], { network: 'host' }));
      expect(host.stdout.split(/\s+/).filter(Boolean).length).toBeGreaterThan(1);
    } finally {
      await rootfs.remove();
    }
  });

  it('a host path is invisible unless bind-mounted; bind mounts (read-only too) work', async () => {
    const secret = join(dir, 'secret');
    await mkdir(secret, { recursive: true });
    await writeFile(join(secret, 'key'), 'hunter2\n');
    const rootfs = await newRootfs();
    try {
      const without = await runIn(rootfs, spec(['sh', '-c', `cat ${secret}/key || echo missing`]));
      expect(without.stdout).toBe('missing\n');
      const mounts = [{ source: secret, destination: '/mnt/s', readonly: true }];
      const ro = await runIn(rootfs, spec(['sh', '-c', 'cat /mnt/s/key; echo x > /mnt/s/w 2>/dev/null || echo read-only'], { mounts }));
      expect(ro.stdout).toBe('hunter2\nread-only\n');
      await runIn(rootfs, spec(['sh', '-c', 'echo written > /mnt/s/w'], { mounts: [{ ...mounts[0]!, readonly: false }] }));
      expect(await readFile(join(secret, 'w'), 'utf8')).toBe('written\n');
    } finally {
      await rootfs.remove();
    }
  });

  it('seccomp: the host\'s containers-common profile filters the process; BERTH_SECCOMP_PROFILE=unconfined lifts it, a missing file is refused', async () => {
    const rootfs = await newRootfs();
    const probe = ['/bin/busybox', 'grep', '^Seccomp:', '/proc/self/status'];
    try {
      // 2 = SECCOMP_MODE_FILTER. The profile comes with the podman and buildah peers.
      const { existsSync } = await import('node:fs');
      expect(existsSync('/usr/share/containers/seccomp.json'), 'install golang-github-containers-common (with podman/buildah, .ci/install-peers)').toBe(true);
      expect((await runIn(rootfs, spec(probe))).stdout).toBe('Seccomp:\t2\n');
      process.env['BERTH_SECCOMP_PROFILE'] = 'unconfined';
      expect((await runIn(rootfs, spec(probe))).stdout).toBe('Seccomp:\t0\n');
      process.env['BERTH_SECCOMP_PROFILE'] = join(dir, 'missing.json');
      await expect(runIn(rootfs, spec(probe))).rejects.toMatchObject({ code: 'ERR_BERTH_CONFIG' });
    } finally {
      delete process.env['BERTH_SECCOMP_PROFILE'];
      await rootfs.remove();
    }
  });

  it('kill() signals the process: SIGTERM gives 143', async () => {
    const rootfs = await newRootfs();
    try {
      const running = runIn(rootfs, spec(['sh', '-c', 'trap "exit 143" TERM; echo ready; sleep 30 & wait']));
      await new Promise((r) => setTimeout(r, 700));
      await rootfs.kill('TERM');
      expect((await running).exitCode).toBe(143);
    } finally {
      await rootfs.remove();
    }
  });

  it('tty: the process gets a terminal (TERM=xterm, CRLF output, stdin through it) and its exit code', async () => {
    const rootfs = await newRootfs();
    try {
      const r = await runIn(rootfs, spec(['sh', '-c', 'test -t 0 && test -t 1 && echo "tty $TERM"; exit 5'], { tty: true }));
      expect(r).toEqual({ exitCode: 5, stdout: 'tty xterm\r\n', stderr: '' });
      const { PassThrough } = await import('node:stream');
      const stdin = new PassThrough();
      const out: Buffer[] = [];
      const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
      const running = rootfs.run(spec(['sh', '-c', 'read line; echo "got $line"'], { tty: true }), { stdin, stdout, stderr: new PassThrough() });
      setTimeout(() => stdin.write('hello\n'), 300);
      expect(await running).toEqual({ exitCode: 0 });
      // The terminal echoes the typed line, as `docker run -it` shows it.
      expect(Buffer.concat(out).toString()).toBe('hello\r\ngot hello\r\n');
    } finally {
      await rootfs.remove();
    }
  });

  it('an abort signal kills the container', async () => {
    const rootfs = await newRootfs();
    try {
      const started = Date.now();
      const r = await runIn(rootfs, spec(['sleep', '30']), AbortSignal.timeout(500));
      expect(r.exitCode).toBe(137);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await rootfs.remove();
    }
  });
});

describe('crun (BERTH_OCI_RUNTIME=crun)', () => {
  it('runs the bundle with crun, or reports why crun refuses this host as a start error (125)', async () => {
    const dir = await tempDir('crun');
    const previous = process.env['BERTH_OCI_RUNTIME'];
    process.env['BERTH_OCI_RUNTIME'] = 'crun';
    try {
      const runtime = await openOciRuntime({ root: join(dir, 'store') });
      expect(runtime.name).toBe('crun');
      const rootfs = await runtime.rootfs(`crun-${process.pid}`, [(await busyboxLayer(dir)).layer]);
      try {
        const r = await runIn(rootfs, spec(['sh', '-c', 'echo via crun; exit 4'])).catch((e: unknown) => e);
        // crun 1.8 refuses hosts with v1 controllers and a v2 controller (hybrid cgroups), as this CI's.
        if (r instanceof Error) expect(r).toMatchObject({ exitCode: 125, message: expect.stringMatching(/cgroup/) });
        else expect(r).toEqual({ exitCode: 4, stdout: 'via crun\n', stderr: '' });
      } finally {
        await rootfs.remove();
      }
    } finally {
      if (previous === undefined) delete process.env['BERTH_OCI_RUNTIME'];
      else process.env['BERTH_OCI_RUNTIME'] = previous;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
