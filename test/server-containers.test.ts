// berthd's container endpoints driven by the real docker CLI (DOCKER_HOST=tcp://berthd): run
// attached (output, stderr, exit code, stdin, a TTY), run -d, ps, logs, wait, start -a, stop, rm,
// export, commit, container prune — compared with the suite's dockerd running the same commands on
// the same busybox, and with `berth` on berthd's own root (one store, so one set of containers).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { busyboxRootfs, requirePeer, rootfsTar, run, startRegistry, type RunOptions, type RunResult } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';
import { docker, dockerOk } from './support/docker.js';

const BASE = 'berthd-ct/busybox:1';
let work: string;
let store: Store;
let berthd: Berthd;

/** The docker CLI talking to berthd. */
function dk(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run('docker', args, { ...options, env: { ...process.env, DOCKER_HOST: `tcp://${berthd.host}`, DOCKER_CONFIG: join(work, 'docker-config') } });
}

async function dkOk(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await dk(args, options);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} (berthd) exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  requirePeer('runc');
  work = await mkdtemp(join(tmpdir(), 'server-containers-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  await dockerOk(['import', '-c', 'CMD ["sh"]', tar, BASE]);
  store = await newStore('berthd-containers-');
  await store.ok(['import', '-c', 'CMD ["sh"]', tar, BASE]);
  berthd = await startBerthd(store.root);
}, 120_000);

afterAll(async () => {
  // Containers left by a failed case are removed through berthd, so their mounts go with them.
  const left = berthd ? (await dk(['ps', '-aq'])).stdout.split('\n').filter(Boolean) : [];
  if (left.length > 0) await dk(['rm', '-f', ...left]);
  for (const n of ['sc-job', 'sc-commit', 'sc-exec', 'sc-cp', 'sc-created', 'sc-cpin', 'sc-evx', 'sc-evp', 'sc-top', 'sc-stats', 'sc-diff', 'sc-nodiff', 'sc-size', 'sc-pause', 'sc-pause2', 'sc-restart', 'sc-evs', 'sc-att', 'sc-rf']) await docker(['rm', '-f', n]);
  await docker(['rmi', '-f', BASE, 'berthd-ct/committed:1']);
  await berthd?.stop();
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('docker run against berthd', () => {
  it('attached: stdout, stderr and the exit code as from dockerd', async () => {
    const cmd = ['run', '--rm', BASE, 'sh', '-c', 'echo out; echo err >&2; exit 3'];
    const viaBerthd = await dk(cmd);
    const viaDockerd = await docker(cmd);
    expect(viaBerthd).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect({ code: viaBerthd.code, stdout: viaBerthd.stdout, stderr: viaBerthd.stderr }).toEqual({ code: viaDockerd.code, stdout: viaDockerd.stdout, stderr: viaDockerd.stderr });
    // --rm: the container is gone once docker returns.
    expect(await dkOk(['ps', '-aq'])).toBe('');
  });

  it('-i feeds stdin; -t gives the process a terminal', async () => {
    const piped = await dk(['run', '-i', '--rm', BASE, 'sh', '-c', 'read x; echo "got $x"'], { input: 'hello\n' });
    expect(piped).toMatchObject({ code: 0, stdout: 'got hello\n' });
    const tty = await dk(['run', '--rm', '-t', BASE, 'sh', '-c', 'test -t 1 && echo terminal; exit 2']);
    expect(tty.code).toBe(2);
    expect(tty.stdout).toBe('terminal\r\n');
  });

  it('a command that cannot start: docker exits 127 with the runtime reason, as with dockerd', async () => {
    const viaBerthd = await dk(['run', '--rm', BASE, 'no-such-command']);
    const viaDockerd = await docker(['run', '--rm', BASE, 'no-such-command']);
    expect(viaBerthd.code).toBe(127);
    expect(viaBerthd.code).toBe(viaDockerd.code);
    expect(viaBerthd.stderr).toContain('executable file not found in $PATH');
    expect(viaBerthd.stderr).not.toContain('Error waiting for container');
  });

  it('-d, ps, logs, wait, start -a and stop; berth sees the same containers', async () => {
    const id = (await dkOk(['run', '-d', '--name', 'sc-web', BASE, 'sh', '-c', 'echo started; trap "exit 0" TERM; while true; do sleep 0.1; done'])).trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    const ps = await dkOk(['ps', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Status}}']);
    expect(ps).toMatch(new RegExp(`^${id.slice(0, 12)} sc-web ${BASE} Up `, 'm'));
    expect(await store.ok(['ps', '-q'])).toBe(`${id.slice(0, 12)}\n`);
    expect(await dkOk(['info', '--format', '{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}}'])).toBe('1 1 0\n');
    await expect.poll(async () => (await dk(['logs', 'sc-web'])).stdout, { timeout: 10_000 }).toBe('started\n');
    expect((await store.ok(['logs', 'sc-web']))).toBe('started\n');
    expect(await dkOk(['stop', 'sc-web'])).toBe('sc-web\n');
    expect((await dkOk(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'sc-web'])).trim()).toBe('exited 0');
    // start -a attaches before it starts: the second run's output and exit code come back.
    expect(await dkOk(['rm', 'sc-web'])).toBe('sc-web\n');
    const job = await dk(['run', '--name', 'sc-job', BASE, 'sh', '-c', 'echo run; exit 4']);
    expect(job).toMatchObject({ code: 4, stdout: 'run\n' });
    await new Promise((r) => setTimeout(r, 50));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const again = await dk(['start', '-a', 'sc-job']);
    expect(again).toMatchObject({ code: 4, stdout: 'run\n' });
    expect(await dkOk(['wait', 'sc-job'])).toBe('4\n');
    expect(await dkOk(['logs', 'sc-job'])).toBe('run\nrun\n');
    // --since/--until: the docker CLI sends Unix seconds; berth reads the same flag itself.
    expect(await dkOk(['logs', '-t', '--since', between, 'sc-job'])).toMatch(/^\S+Z run\n$/);
    expect(await dkOk(['logs', '--until', between, 'sc-job'])).toBe('run\n');
    expect(await store.ok(['logs', '--since', between, 'sc-job'])).toBe('run\n');
    expect(await dkOk(['logs', '--since', '1h', 'sc-job'])).toBe('run\nrun\n');
    expect(await dkOk(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}} {{.Status}}'])).toMatch(/^sc-job Exited \(4\) /);
  });

  it('an image berthd lacks: docker pulls it through berthd from the registry, then runs it', async () => {
    const reg = await startRegistry();
    try {
      const remote = `${reg.host}/ct/busybox:1`;
      const pusher = await newStore('berthd-ct-push-');
      try {
        await pusher.ok(['import', '-c', 'CMD ["sh"]', join(work, 'busybox.tar'), remote]);
        await pusher.ok(['push', '-q', remote]);
      } finally {
        await pusher.cleanup();
      }
      const r = await dk(['run', '--rm', remote, 'echo', 'pulled and ran']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('pulled and ran\n');
      expect(r.stderr).toContain(`Unable to find image '${remote}' locally`);
      expect(await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', remote])).toBe(`${remote}\n`);
      await store.ok(['rmi', remote]);
    } finally {
      await reg.stop();
    }
  });

  it('exec: output, exit code, -i, -u/-w/-e, -d and a missing command as dockerd answers them; berth exec on the same container', async () => {
    const loop = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'];
    await dkOk(['run', '-d', '--name', 'sc-exec', '-e', 'FROM_RUN=1', BASE, ...loop]);
    await dockerOk(['run', '-d', '--name', 'sc-exec', '-e', 'FROM_RUN=1', BASE, ...loop]);
    const both = async (args: string[], input?: string): Promise<[RunResult, RunResult]> => [
      await dk(['exec', ...args], input === undefined ? {} : { input }),
      await docker(['exec', ...args], input === undefined ? {} : { input }),
    ];
    const same = ([a, b]: [RunResult, RunResult]): RunResult => {
      expect({ code: a.code, stdout: a.stdout, stderr: a.stderr }).toEqual({ code: b.code, stdout: b.stdout, stderr: b.stderr });
      return a;
    };
    expect(same(await both(['sc-exec', 'sh', '-c', 'echo "out $FROM_RUN"; echo err >&2; exit 5']))).toMatchObject({ code: 5, stdout: 'out 1\n', stderr: 'err\n' });
    expect(same(await both(['-u', 'nobody', '-w', '/tmp', '-e', 'X=2', 'sc-exec', 'sh', '-c', 'echo "$X $(id -un) $PWD"']))).toMatchObject({ stdout: '2 nobody /tmp\n' });
    expect(same(await both(['-i', 'sc-exec', 'sh', '-c', 'read a; echo "got $a"'], 'hello\n'))).toMatchObject({ stdout: 'got hello\n' });
    // A command that is not there: 127, as dockerd 23+ answers (translateContainerdStartErr); the
    // suite's dockerd 20.10 still says 126 for exec. Both name the reason.
    const [missing, missingDockerd] = await both(['sc-exec', 'no-such-command']);
    expect(missing.code).toBe(127);
    expect([126, 127]).toContain(missingDockerd.code);
    expect(missing.stdout + missing.stderr).toContain('executable file not found in $PATH');
    expect(missingDockerd.stdout + missingDockerd.stderr).toContain('executable file not found in $PATH');
    expect((await dk(['exec', '-d', 'sc-exec', 'sh', '-c', 'echo detached > /tmp/d'])).code).toBe(0);
    await expect.poll(async () => (await dk(['exec', 'sc-exec', 'cat', '/tmp/d'])).stdout, { timeout: 5000 }).toBe('detached\n');
    // berth's own exec joins the container berthd runs.
    expect(await store.ok(['exec', 'sc-exec', 'cat', '/tmp/d'])).toBe('detached\n');
    expect((await store.berth(['exec', 'sc-exec', 'sh', '-c', 'exit 7'])).code).toBe(7);
    await dkOk(['rm', '-f', 'sc-exec']);
    await dockerOk(['rm', '-f', 'sc-exec']);
    const stopped = await dk(['exec', 'sc-job', 'true']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/container [a-f0-9]{64} is not running/);
  });

  it('cp out of a container (a directory, a file, `/.` contents, a symlink and through it, a container never started) as from dockerd', async () => {
    const make = ['sh', '-c', 'mkdir -p /out/sub && echo a > /out/a.txt && echo b > /out/sub/b.txt && ln -s a.txt /out/link && ln -s /out /outlink && chmod 640 /out/a.txt'];
    await dkOk(['run', '--name', 'sc-cp', BASE, ...make]);
    await dockerOk(['run', '--name', 'sc-cp', BASE, ...make]);
    await dkOk(['create', '--name', 'sc-created', BASE]);
    await dockerOk(['create', '--name', 'sc-created', BASE]);
    const copies = [['sc-cp:/out', 'out'], ['sc-cp:/out/a.txt', 'a'], ['sc-cp:/out/.', 'contents'], ['sc-cp:/outlink', 'l1'], ['sc-cp:/outlink/', 'l2'], ['sc-created:/bin/sh', 'sh']];
    const tree = async (viaBerthd: boolean): Promise<string> => {
      const dir = join(work, viaBerthd ? 'cp-berthd' : 'cp-dockerd');
      await rm(dir, { recursive: true, force: true });
      await run('mkdir', ['-p', dir]);
      for (const [src, dst] of copies) {
        const r = viaBerthd ? await dk(['cp', src!, join(dir, dst!)]) : await docker(['cp', src!, join(dir, dst!)]);
        expect(r.code, `docker cp ${src}: ${r.stderr}`).toBe(0);
      }
      // Names, types, modes, link targets and contents (times differ by nature).
      const { stdout } = await run('sh', ['-c', `cd ${dir} && find . -printf '%p %y %m %l\\n' | sort && find . -type f -exec cat {} +`]);
      return stdout;
    };
    const viaBerthd = await tree(true);
    expect(viaBerthd).toBe(await tree(false));
    expect(viaBerthd).toContain('./contents/link l 777 a.txt');
    const missing = await dk(['cp', 'sc-cp:/nope', join(work, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Could not find the file /nope in container sc-cp');
    for (const c of ['sc-cp', 'sc-created']) {
      await dkOk(['rm', c]);
      await dockerOk(['rm', c]);
    }
  });

  it('cp into a container (a new directory, a file into a directory, over a file) as into dockerd\'s; the container sees it', async () => {
    const src = join(work, 'cp-in');
    await run('sh', ['-c', `rm -rf ${src} && mkdir -p ${src}/d/sub && echo one > ${src}/d/f && chmod 640 ${src}/d/f && echo two > ${src}/d/sub/g && ln -s f ${src}/d/l && echo three > ${src}/single`]);
    const cmd = ['sh', '-c', 'cat /tmp/in/f /tmp/in/sub/g /etc/single /etc/hostname.orig; ls -l /tmp/in/l | sed "s/.*-> //"'];
    const outputs: string[] = [];
    for (const cli of [dk, docker]) {
      expect((await cli(['create', '--name', 'sc-cpin', BASE, ...cmd])).code).toBe(0);
      for (const [from, to] of [[`${src}/d`, 'sc-cpin:/tmp/in'], [`${src}/single`, 'sc-cpin:/etc/'], [`${src}/single`, 'sc-cpin:/etc/hostname.orig'], [`${src}/d/sub/g`, 'sc-cpin:/etc/hostname.orig']]) {
        const r = await cli(['cp', from!, to!]);
        expect(r.code, `docker cp ${from} ${to}: ${r.stderr}`).toBe(0);
      }
      const started = await cli(['start', '-a', 'sc-cpin']);
      expect(started.code, started.stderr).toBe(0);
      outputs.push(started.stdout);
      const back = join(work, `cp-back-${outputs.length}`);
      await rm(back, { recursive: true, force: true });
      expect((await cli(['cp', 'sc-cpin:/tmp/in', back])).code).toBe(0);
      outputs.push((await run('sh', ['-c', `cd ${back} && find . -printf '%p %y %m %l\\n' | sort`])).stdout);
      expect((await cli(['rm', 'sc-cpin'])).code).toBe(0);
    }
    expect(outputs[0]).toBe('one\ntwo\nthree\ntwo\nf\n');
    expect(outputs.slice(0, 2)).toEqual(outputs.slice(2, 4));
    expect(outputs[1]).toContain('./f f 640');
    // Errors as dockerd words them: a missing container directory, and one that is a file.
    expect((await dk(['create', '--name', 'sc-cpin', BASE])).code).toBe(0);
    const missing = await dk(['cp', `${src}/single`, 'sc-cpin:/nope/x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Could not find the file /nope in container sc-cpin');
    await dkOk(['rm', 'sc-cpin']);
  });

  it('events: a container\'s life and an image\'s tags, as dockerd reports them for the same commands', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const life = async (cli: typeof dk): Promise<void> => {
      expect((await cli(['run', '--rm', '--name', 'sc-ev', BASE, 'sh', '-c', 'exit 2'])).code).toBe(2);
      expect((await cli(['tag', BASE, 'berthd-ct/events:1'])).code).toBe(0);
      expect((await cli(['rmi', 'berthd-ct/events:1'])).code).toBe(0);
    };
    await life(dk);
    await life(docker);
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const fmt = ['--format', '{{.Type}} {{.Action}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "exitCode"}}'];
    const seen = async (cli: typeof dk, filters: string[]): Promise<string> => (await cli(['events', '--since', since, '--until', until, ...filters, ...fmt])).stdout;
    const containerLife = await seen(dk, ['--filter', 'container=sc-ev']);
    expect(containerLife).toBe('container create sc-ev \ncontainer attach sc-ev \ncontainer start sc-ev \ncontainer die sc-ev 2\ncontainer destroy sc-ev \n');
    expect(containerLife).toBe(await seen(docker, ['--filter', 'container=sc-ev']));
    // Image IDs differ between the two stores (import times); an untag names the image by its ID.
    const tagLines = async (cli: typeof dk): Promise<string[]> =>
      (await seen(cli, ['--filter', 'type=image', '--filter', 'event=tag', '--filter', 'event=untag'])).split('\n').filter((l) => l.includes('events:1') || l.includes(' untag ')).map((l) => l.replace(/sha256:[0-9a-f]{64}/, 'ID'));
    const imageTags = await tagLines(dk);
    expect(imageTags).toEqual(['image tag berthd-ct/events:1 ', 'image untag ID ']);
    expect(imageTags).toEqual(await tagLines(docker));
  });

  it('top: the container\'s processes as dockerd lists them (default and custom ps options); berth top on the same container', async () => {
    const cmd = ['run', '-d', '--name', 'sc-top', BASE, 'sh', '-c', 'sleep 300 & exec sleep 200'];
    await dkOk(cmd);
    await dockerOk(cmd);
    // PIDs, start times and parent PIDs are the hosts' own: titles and commands are compared.
    const shape = (table: string, keep: number[]): string => table.trimEnd().split('\n').map((l) => {
      const cells = l.split(/\s{2,}/);
      return keep.map((i) => cells.at(i)).join('|');
    }).sort().join('\n');
    for (const [args, keep] of [[[], [0, 7]], [['-o', 'pid,comm,args'], [1, 2]], [['aux'], [0, 7, 10]]] as [string[], number[]][]) {
      const viaBerthd = await dkOk(['top', 'sc-top', ...args]);
      expect(shape(viaBerthd, keep)).toBe(shape(await dockerOk(['top', 'sc-top', ...args]), keep));
      expect(shape(await store.ok(['top', 'sc-top', ...args]), keep)).toBe(shape(viaBerthd, keep));
    }
    expect(await dkOk(['top', 'sc-top'])).toMatch(/^UID {17}PID {17}PPID {16}C {19}STIME {15}TTY {17}TIME {16}CMD\n(root .*\n){2}$/);
    // Hiding the PID column is refused, in dockerd's words.
    const refused = await dk(['top', 'sc-top', '-o', 'comm=PID']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe((await docker(['top', 'sc-top', '-o', 'comm=PID'])).stderr);
    expect(refused.stderr).toContain('specifying "comm=PID" is not allowed');
    await dkOk(['rm', '-f', 'sc-top']);
    await dockerOk(['rm', '-f', 'sc-top']);
    // A container that is not running has no processes to show.
    const id = (await dkOk(['create', '--name', 'sc-top', BASE])).trim();
    const stopped = await dk(['top', 'sc-top']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toBe(`Error response from daemon: Container ${id} is not running\n`);
    await dkOk(['rm', 'sc-top']);
  });

  it('stats: a running container\'s counters as dockerd reports them (docker stats --no-stream, the StatsJSON shape); berth stats on the same container', async () => {
    const cmd = ['run', '-d', '--name', 'sc-stats', BASE, 'sleep', '300'];
    await dkOk(cmd);
    await dockerOk(cmd);
    const fmt = ['--no-stream', '--format', '{{.Name}}|{{.PIDs}}|{{.NetIO}}|{{.BlockIO}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}'];
    const viaBerthd = (await dkOk(['stats', ...fmt, 'sc-stats'])).trim().split('|');
    const viaDockerd = (await dockerOk(['stats', ...fmt, 'sc-stats'])).trim().split('|');
    // Name, PIDs and network I/O are the same; CPU and memory use are each run's own, the limit the machine's.
    expect(viaBerthd.slice(0, 3)).toEqual(viaDockerd.slice(0, 3));
    expect(viaBerthd.slice(0, 3)).toEqual(['sc-stats', '1', '0B / 0B']);
    expect(viaBerthd[5]!.split(' / ')[1]).toBe(viaDockerd[5]!.split(' / ')[1]);
    expect(viaBerthd[4]).toMatch(/^\d+\.\d\d%$/);
    expect(viaBerthd[5]).toMatch(/^[\d.]+(B|KiB|MiB) \/ [\d.]+GiB$/);
    const viaBerth = (await store.ok(['stats', ...fmt, 'sc-stats'])).trim().split('|');
    expect(viaBerth.slice(0, 3)).toEqual(viaBerthd.slice(0, 3));
    // The API's StatsJSON: the same fields as dockerd's, at the top and inside.
    const dockerSocket = inject('dockerHost').replace(/^unix:\/\//, '');
    const fromBerthd = JSON.parse((await run('curl', ['-sf', `http://${berthd.host}/containers/sc-stats/stats?stream=false`])).stdout) as Record<string, Record<string, unknown>>;
    const fromDockerd = JSON.parse((await run('curl', ['-sf', '--unix-socket', dockerSocket, 'http://docker/containers/sc-stats/stats?stream=false'])).stdout) as Record<string, Record<string, unknown>>;
    const keys = (o: object | undefined): string[] => Object.keys(o ?? {}).sort();
    for (const part of [undefined, 'cpu_stats', 'precpu_stats', 'memory_stats', 'pids_stats', 'blkio_stats'] as const) {
      expect(keys(part ? fromBerthd[part] : fromBerthd), part ?? 'top level').toEqual(keys(part ? fromDockerd[part] : fromDockerd));
    }
    expect(fromBerthd['memory_stats']!['limit']).toBe(fromDockerd['memory_stats']!['limit']);
    expect(fromBerthd['cpu_stats']!['online_cpus']).toBe(fromDockerd['cpu_stats']!['online_cpus']);
    await dkOk(['rm', '-f', 'sc-stats']);
    await dockerOk(['rm', '-f', 'sc-stats']);
  });

  it('diff: a container\'s changes as dockerd lists them (added, changed, deleted, and the directories holding them)', async () => {
    const cmd = ['run', '--name', 'sc-diff', BASE, 'sh', '-c', 'echo hello > /f; mkdir -p /d/e; rm /bin/ls; echo x >> /etc/passwd; mkdir /tmp/t; ln -s /f /d/link; rm -r /usr 2>/dev/null; true'];
    await dkOk(cmd);
    await dockerOk(cmd);
    const viaBerthd = await dkOk(['diff', 'sc-diff']);
    // dockerd lists in Go map order (a directory before what it holds); berthd in walk order.
    const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();
    expect(sorted(viaBerthd)).toEqual(sorted(await dockerOk(['diff', 'sc-diff'])));
    const lines = viaBerthd.split('\n').filter(Boolean);
    expect(lines).toEqual([...lines].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1)));
    expect(viaBerthd).toContain('D /bin/ls\n');
    expect(viaBerthd).toContain('A /d/link\n');
    expect(await store.ok(['diff', 'sc-diff'])).toBe(viaBerthd);
    // A container with no changes: dockerd says nothing, and so does berthd.
    await dkOk(['create', '--name', 'sc-nodiff', BASE]);
    expect(await dkOk(['diff', 'sc-nodiff'])).toBe('');
    await dkOk(['rm', 'sc-diff', 'sc-nodiff']);
    await dockerOk(['rm', 'sc-diff']);
  });

  it('ps -s: the container\'s own bytes and the virtual size as dockerd shows them; berth ps -s on the same container', async () => {
    const cmd = ['run', '--name', 'sc-size', BASE, 'sh', '-c', 'head -c 3000 /dev/zero > /f; mkdir /d; ln -s /f /d/l'];
    await dkOk(cmd);
    await dockerOk(cmd);
    const args = ['ps', '-a', '-s', '--filter', 'name=sc-size', '--format', '{{.Names}} {{.Size}}'];
    const viaBerthd = await dkOk(args);
    expect(viaBerthd).toMatch(/^sc-size 3(\.\d+)?kB \(virtual [\d.]+MB\)\n$/);
    expect(viaBerthd).toBe(await dockerOk(args));
    expect(await store.ok(args)).toBe(viaBerthd);
    // The default table gains the SIZE column, as docker's.
    expect((await store.ok(['ps', '-a', '-s', '--filter', 'name=sc-size'])).split('\n')[0]).toMatch(/NAMES +SIZE$/);
    await dkOk(['rm', 'sc-size']);
    await dockerOk(['rm', 'sc-size']);
  });

  it('pause and unpause as dockerd: status, inspect, exec and a second pause refused, kill of a paused container; berth sees the same', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const story = async (cli: typeof dk): Promise<string[]> => {
      const seen: string[] = [];
      const note = async (args: string[]): Promise<void> => {
        const r = await cli(args);
        seen.push(`${args[0]} ${r.code} ${r.stdout.trim()} ${r.stderr.trim().replace(/[0-9a-f]{64}/g, 'ID')}`);
      };
      await cli(['run', '-d', '--name', 'sc-pause', BASE, 'sleep', '300']);
      await note(['pause', 'sc-pause']);
      await note(['ps', '--filter', 'name=sc-pause', '--format', '{{.State}} {{.Status}}']);
      await note(['inspect', '-f', '{{.State.Status}} {{.State.Paused}} {{.State.Running}}', 'sc-pause']);
      await note(['pause', 'sc-pause']);
      await note(['exec', 'sc-pause', 'true']);
      await note(['unpause', 'sc-pause']);
      await note(['unpause', 'sc-pause']);
      await note(['pause', 'sc-pause']);
      await note(['kill', 'sc-pause']);
      await note(['wait', 'sc-pause']);
      await note(['rm', 'sc-pause']);
      return seen.map((l) => l.replace(/Up (Less than a second|\d+ seconds?)/, 'Up TIME'));
    };
    // berth's own view of a container berthd paused.
    await dk(['run', '-d', '--name', 'sc-pause2', BASE, 'sleep', '300']);
    await dkOk(['pause', 'sc-pause2']);
    expect(await store.ok(['ps', '--filter', 'name=sc-pause2', '--format', '{{.State}}'])).toBe('paused\n');
    await store.ok(['unpause', 'sc-pause2']);
    expect(await dkOk(['inspect', '-f', '{{.State.Status}}', 'sc-pause2'])).toBe('running\n');
    await dkOk(['rm', '-f', 'sc-pause2']);
    const viaBerthd = await story(dk);
    expect(viaBerthd).toEqual(await story(docker));
    expect(viaBerthd[1]).toBe('ps 0 paused Up TIME (Paused) ');
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const actions = async (cli: typeof dk): Promise<string> => (await cli(['events', '--since', since, '--until', until, '--filter', 'container=sc-pause', '--filter', 'event=pause', '--filter', 'event=unpause', '--format', '{{.Action}}'])).stdout;
    expect(await actions(dk)).toBe('pause\nunpause\npause\n');
    expect(await actions(dk)).toBe(await actions(docker));
  });

  it('restart, and cp -a into a container with a user, as dockerd does them', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const src = join(work, 'cp-a');
    await run('sh', ['-c', `rm -rf ${src} && mkdir -p ${src} && echo a > ${src}/owned && chown 1234:1234 ${src}/owned`]);
    const outputs: string[] = [];
    for (const cli of [dk, docker]) {
      expect((await cli(['create', '--name', 'sc-restart', '-u', '65534', BASE, 'sh', '-c', 'ls -n /tmp/owned | cut -c1-30 | tr -s " "; sleep 300'])).code).toBe(0);
      expect((await cli(['cp', '-a', `${src}/owned`, 'sc-restart:/tmp/'])).code).toBe(0);
      expect((await cli(['start', 'sc-restart'])).code).toBe(0);
      const restarted = await cli(['restart', '-t', '1', 'sc-restart']);
      expect(restarted.stdout, restarted.stderr).toBe('sc-restart\n');
      expect((await cli(['inspect', '-f', '{{.State.Status}}', 'sc-restart'])).stdout).toBe('running\n');
      let logs = '';
      for (let i = 0; i < 50 && logs.split('\n').length < 3; i++) logs = (await cli(['logs', 'sc-restart'])).stdout;
      outputs.push(logs);
      expect((await cli(['rm', '-f', 'sc-restart'])).code).toBe(0);
    }
    // The container's user owns what -a copied in; the process ran twice.
    expect(outputs[0]).toBe(outputs[1]);
    expect(outputs[0]).toMatch(/^-rw-r--r-- 1 65534 65534\n-rw-r--r-- 1 65534 65534\n$/);
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const actions = async (cli: typeof dk): Promise<string> => (await cli(['events', '--since', since, '--until', until, '--filter', 'container=sc-restart', '--filter', 'event=start', '--filter', 'event=restart', '--format', '{{.Action}}'])).stdout;
    expect(await actions(dk)).toBe('start\nstart\nrestart\n');
    expect(await actions(dk)).toBe(await actions(docker));
  });

  it('attach to a container another process runs (berth run -d on the same root): its output from then on and its exit code, as docker attach on dockerd; berth attach too', async () => {
    // Time enough for a CLI to start and attach on a loaded machine (CI saw one start take over a second).
    const script = ['sh', '-c', 'sleep 3; echo out; echo err >&2; exit 4'];
    const viaBerthd = async (): Promise<RunResult> => {
      await store.ok(['run', '-d', '--name', 'sc-att', BASE, ...script]);
      const r = await dk(['attach', 'sc-att']);
      await store.ok(['rm', 'sc-att']);
      return r;
    };
    const viaBerth = async (): Promise<RunResult> => {
      await store.ok(['run', '-d', '--name', 'sc-att', BASE, ...script]);
      const r = await store.berth(['attach', 'sc-att']);
      await store.ok(['rm', 'sc-att']);
      return r;
    };
    await dockerOk(['run', '-d', '--name', 'sc-att', BASE, ...script]);
    const viaDockerd = await docker(['attach', 'sc-att']);
    await dockerOk(['rm', 'sc-att']);
    expect(viaDockerd).toMatchObject({ code: 4, stdout: 'out\n', stderr: 'err\n' });
    for (const r of [await viaBerthd(), await viaBerth()]) expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 4, stdout: 'out\n', stderr: 'err\n' });
    // A stopped container cannot be attached to, in docker's words.
    await store.ok(['create', '--name', 'sc-att', BASE]);
    const refused = await store.berth(['attach', 'sc-att']);
    expect(refused.stderr).toBe('Error: You cannot attach to a stopped container, start it first\n');
    await store.ok(['rm', 'sc-att']);
  });

  it('run -m, --cpus, --read-only and -h through berthd as through dockerd', async () => {
    const cmd = ['run', '--rm', '-m', '64m', '--cpus', '0.5', '--read-only', '-h', 'limited', BASE, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us; hostname; touch /x 2>/dev/null || echo read-only'];
    const viaBerthd = await dkOk(cmd);
    expect(viaBerthd).toBe('67108864\n50000\nlimited\nread-only\n');
    expect(viaBerthd).toBe(await dockerOk(cmd));
  });

  it('--restart on-failure:2 through berthd: two restarts, each told as die and start, as dockerd', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const cmd = ['run', '-d', '--restart', 'on-failure:2', '--name', 'sc-rf', BASE, 'sh', '-c', 'echo run; exit 3'];
    const state = ['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}', 'sc-rf'];
    const finished = async (cli: typeof dk): Promise<string> => {
      expect((await cli(cmd)).code).toBe(0);
      let seen = '';
      for (let i = 0; i < 100 && !(seen = (await cli(state)).stdout).startsWith('2 exited'); i++) await new Promise((r) => setTimeout(r, 100));
      return seen;
    };
    const viaBerthd = await finished(dk);
    expect(viaBerthd).toBe('2 exited 3\n');
    expect(await finished(docker)).toBe(viaBerthd);
    expect((await dk(['logs', 'sc-rf'])).stdout).toBe('run\nrun\nrun\n');
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    const actions = async (cli: typeof dk): Promise<string> => (await cli(['events', '--since', since, '--until', until, '--filter', 'container=sc-rf', '--filter', 'event=start', '--filter', 'event=die', '--format', '{{.Action}} {{index .Actor.Attributes "exitCode"}}'])).stdout;
    expect(await actions(dk)).toBe('start \ndie 3\nstart \ndie 3\nstart \ndie 3\n');
    expect(await actions(dk)).toBe(await actions(docker));
    await dkOk(['rm', 'sc-rf']);
    await dockerOk(['rm', 'sc-rf']);
  });

  it('wait follows a container another process runs (berth run -d on the same root)', async () => {
    const id = (await store.ok(['run', '-d', '--name', 'sc-bg', BASE, 'sh', '-c', 'sleep 1; exit 6'])).trim();
    expect(await dkOk(['wait', 'sc-bg'])).toBe('6\n');
    expect(await dkOk(['rm', id])).toBe(`${id}\n`);
  });

  it('commit makes the image dockerd makes from the same changes; rmi refuses it while a container uses it', async () => {
    const changes = ['sh', '-c', 'echo hello > /f; mkdir -p /d/e; rm /bin/ls'];
    expect((await dk(['run', '--name', 'sc-commit', BASE, ...changes])).code).toBe(0);
    await dockerOk(['run', '--name', 'sc-commit', BASE, ...changes]);
    const opts = ['-a', 'Suite <suite@example.com>', '-m', 'from berthd', '-c', 'CMD ["cat", "/f"]', '-c', 'ENV GREETING=hi', 'sc-commit', 'berthd-ct/committed:1'];
    const id = (await dkOk(['commit', ...opts])).trim();
    await dockerOk(['commit', ...opts]);
    expect(id).toBe((await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'berthd-ct/committed:1'])).trim());
    const fmt = '{{json .Config.Cmd}} {{json .Config.Env}} {{.Author}} {{.Comment}} {{len .RootFS.Layers}}';
    expect(await dkOk(['image', 'inspect', '-f', fmt, 'berthd-ct/committed:1'])).toBe(await dockerOk(['image', 'inspect', '-f', fmt, 'berthd-ct/committed:1']));
    expect(await dkOk(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'berthd-ct/committed:1'])).toBe(await dockerOk(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'berthd-ct/committed:1']));
    expect(await dkOk(['run', '--rm', 'berthd-ct/committed:1'])).toBe('hello\n');
    expect(await dkOk(['run', '--rm', 'berthd-ct/committed:1', 'sh', '-c', 'test ! -e /bin/ls && test -d /d/e && echo "$GREETING"'])).toBe('hi\n');
    // The container's filesystem through export: the same changes as dockerd's.
    const listing = async (viaBerthd: boolean): Promise<string[]> => {
      const tarPath = join(work, `export-${viaBerthd}.tar`);
      if (viaBerthd) await dkOk(['export', '-o', tarPath, 'sc-commit']);
      else await dockerOk(['export', '-o', tarPath, 'sc-commit']);
      const { stdout } = await run('tar', ['tf', tarPath]);
      // dockerd adds /.dockerenv and its own /etc files (hosts, resolv.conf); berth makes neither.
      return stdout.split('\n').filter((p) => p && p !== '.dockerenv' && !/^(dev|proc|sys|etc)\//.test(p)).sort();
    };
    expect(await listing(true)).toEqual(await listing(false));
    // system df: docker's own formatter over berthd's /system/df prints berth's table. Both
    // containers stand on the base (the committed image shares all of its bytes, so none count as
    // used); sc-commit's layer holds the 6 bytes of /f (the whiteout and directories count 0).
    const df = await dkOk(['system', 'df']);
    expect(df).toBe(await store.ok(['system', 'df']));
    expect(await dkOk(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}'])).toMatch(/^Images\|2\|1\|([\d.]+MB)\|\1 \(100%\)\nContainers\|2\|0\|6B\|6B \(100%\)\n/);
    const refused = await dk(['rmi', BASE]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/container [a-f0-9]{12} is using its referenced image/);
    // The space reclaimed is what system df called reclaimable: the containers' own 6 bytes.
    expect(await dkOk(['container', 'prune', '-f'])).toMatch(/^Deleted Containers:\n([a-f0-9]{64}\n)+\nTotal reclaimed space: 6B\n$/);
    expect(await dkOk(['ps', '-aq'])).toBe('');
    expect(await store.ok(['ps', '-aq'])).toBe('');
  });

  it('events of import, save, load, rmi, exec, rm -f, container prune and image prune as dockerd\'s, with the legacy status/id/from', async () => {
    const tar = join(work, 'busybox.tar');
    const saved = (cli: string): string => join(work, `events-${cli}.tar`);
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const story = async (cli: typeof dk, label: string): Promise<void> => {
      const ok = async (args: string[]): Promise<string> => {
        const r = await cli(args);
        expect(r.code, `docker ${args.join(' ')} (${label}): ${r.stderr}`).toBe(0);
        return r.stdout;
      };
      await ok(['import', '-c', 'CMD ["sh"]', tar, 'berthd-ct/ev:1']);
      await ok(['save', '-o', saved(label), 'berthd-ct/ev:1']);
      await ok(['rmi', 'berthd-ct/ev:1']);
      await ok(['load', '-q', '-i', saved(label)]);
      await ok(['run', '-d', '--name', 'sc-evx', 'berthd-ct/ev:1', 'sleep', '30']);
      expect((await cli(['exec', 'sc-evx', 'sh', '-c', 'exit 3'])).code).toBe(3);
      await ok(['rm', '-f', 'sc-evx']);
      // stop: the stop signal, SIGKILL after -t (sleep as PID 1 ignores SIGTERM), die, stop.
      await ok(['run', '-d', '--name', 'sc-evs', 'berthd-ct/ev:1', 'sleep', '30']);
      await ok(['stop', '-t', '1', 'sc-evs']);
      await ok(['rm', 'sc-evs']);
      await ok(['create', '--name', 'sc-evp', 'berthd-ct/ev:1']);
      await ok(['container', 'prune', '-f']);
      await ok(['rmi', 'berthd-ct/ev:1']);
      await ok(['import', tar]);
      await ok(['image', 'prune', '-f']);
    };
    await story(dk, 'berthd');
    await story(docker, 'dockerd');
    const until = String(Math.ceil(Date.now() / 1000) + 1);
    // IDs differ between the stores (import times): whether one is there is what is compared.
    const fmt = '{{.Type}} {{.Status}} {{if .ID}}id{{end}} {{.From}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "exitCode"}} {{index .Actor.Attributes "signal"}}{{if index .Actor.Attributes "execID"}} exec{{end}}';
    const seen = async (cli: typeof dk): Promise<string[]> =>
      (await cli(['events', '--since', since, '--until', until, '--filter', 'image=berthd-ct/ev:1', '--filter', 'type=container', '--format', fmt])).stdout.split('\n');
    const all = async (cli: typeof dk): Promise<string[]> =>
      (await cli(['events', '--since', since, '--until', until, '--filter', 'type=image', '--format', fmt])).stdout.split('\n').map((l) => l.replace(/sha256:[0-9a-f]{64}/g, 'ID'));
    const containerEvents = await seen(dk);
    expect(containerEvents).toEqual(await seen(docker));
    expect(containerEvents).toContain('container exec_die id berthd-ct/ev:1 sc-evx 3  exec');
    expect(containerEvents).toContain('container kill id berthd-ct/ev:1 sc-evx  9');
    expect(containerEvents.filter((l) => l.includes(' sc-evs '))).toEqual([
      'container create id berthd-ct/ev:1 sc-evs  ',
      'container start id berthd-ct/ev:1 sc-evs  ',
      'container kill id berthd-ct/ev:1 sc-evs  15',
      'container kill id berthd-ct/ev:1 sc-evs  9',
      'container die id berthd-ct/ev:1 sc-evs 137 ',
      'container stop id berthd-ct/ev:1 sc-evs  ',
      'container destroy id berthd-ct/ev:1 sc-evs  ',
    ]);
    const imageEvents = (await all(dk)).filter((l) => !l.includes('berthd-ct/busybox') && !l.includes('berthd-ct/committed') && !l.includes('events:1'));
    expect(imageEvents).toEqual((await all(docker)).filter((l) => !l.includes('berthd-ct/busybox') && !l.includes('berthd-ct/committed') && !l.includes('events:1')));
    expect(imageEvents.join('\n')).toMatch(/image tag id  berthd-ct\/ev:1[\s\S]*image import id  ID[\s\S]*image save id  ID[\s\S]*image load id  ID[\s\S]*image prune   /);
  });
  it('system prune: docker system prune through berthd and berth system prune remove stopped containers and dangling images, and print docker\'s report; the prompt is docker\'s', async () => {
    const tar = join(work, 'busybox.tar');
    const prepare = async (): Promise<{ container: string; image: string }> => {
      const container = (await store.ok(['run', '-d', BASE, 'sh', '-c', 'head -c 5000 /dev/zero > /f'])).trim();
      expect(await dkOk(['wait', container])).toBe('0\n');
      // An untagged import: a dangling image.
      const image = (await store.ok(['import', '-m', `prune ${Date.now()}`, tar])).trim();
      return { container, image };
    };
    const check = async (out: string, made: { container: string; image: string }): Promise<void> => {
      expect(out).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nDeleted Images:\n(deleted: sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: [\d.]+kB\n$/);
      expect(out).toContain(`${made.container}\n`);
      expect(out).toContain(`deleted: ${made.image}\n`);
      expect(await store.ok(['ps', '-aq'])).toBe('');
      expect(await store.ok(['images', '-q', '--filter', 'dangling=true'])).toBe('');
    };
    const first = await prepare();
    await check(await dkOk(['system', 'prune', '-f']), first);
    const second = await prepare();
    await check(await store.ok(['system', 'prune', '-f']), second);
    // The BASE image a stopped container no longer uses stays: it is tagged.
    expect(await store.ok(['images', '-q', BASE])).not.toBe('');
    for (const args of [['system', 'prune'], ['system', 'prune', '-a'], ['system', 'prune', '--filter', 'until=24h']]) {
      const viaBerth = await store.berth(args, { input: 'n\n' });
      expect(viaBerth.stdout).toBe((await docker(args, { input: 'n\n' })).stdout);
      expect(viaBerth.stdout).toContain('Are you sure you want to continue? [y/N] ');
    }
  });
});
