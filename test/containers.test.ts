// Containers against docker (the suite's dockerd): run, ps, logs, stop, start, rm, commit and
// rmi's refusals, the same commands on the same imported busybox, compared where docker prints or
// stores the same thing. Also the seed's example: container changes → commit → history → run.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, requirePeer, rootfsTar, startRegistry } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker, dockerOk } from './support/docker.js';
import { diffTrees, imageTree } from './support/image-tree.js';

const BASE = 'berth-containers/busybox:1';
const CHANGES = 'echo hello > /f; mkdir -p /d/e; rm /bin/ls; echo x > /tmp/t; chmod 600 /f';
let work: string;
let store: Store;
let baseTar: string;

beforeAll(async () => {
  requirePeer('runc');
  work = await mkdtemp(join(tmpdir(), 'containers-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  baseTar = tar;
  await dockerOk(['import', '-c', 'CMD ["sh"]', tar, BASE]);
  store = await newStore();
  await store.ok(['import', '-c', 'CMD ["sh"]', tar, BASE]);
});

afterAll(async () => {
  await store?.berth(['rm', '-f', ...(await store.ok(['ps', '-aq'])).split('\n').filter(Boolean)]).catch(() => undefined);
  await store?.cleanup();
  for (const n of ['ct-job', 'ct-web', 'ct-same', 'ct-seedweb', 'ct-f1', 'ct-f2', 'ct-k', 'ct-r1', 'ct-r1b', 'ct-r2', 'ct-i', 'ct-x', 'ct-made', 'ct-meta', 'ct-limits', 'ct-rf', 'ct-ra', 'ct-ins-h', 'ct-ins-n', 'ct-ins-0']) await docker(['rm', '-f', n]);
  await rm(work, { recursive: true, force: true });
});

// The config blob fields docker commit writes, with what differs by nature (ids, times) masked.
async function commitConfig(who: 'docker' | 'berth', image: string): Promise<Record<string, unknown>> {
  const out = who === 'docker' ? await dockerOk(['save', image, '-o', join(work, `${who}.tar`)]) : await store.ok(['save', '-o', join(work, `${who}.tar`), image]);
  void out;
  const dir = await mkdtemp(join(work, 'x-'));
  const { run } = await import('@berth/testkit');
  await run('tar', ['-xf', join(work, `${who}.tar`), '-C', dir]);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Config: string }[];
  const cfg = JSON.parse(await readFile(join(dir, manifest[0]!.Config), 'utf8')) as Record<string, unknown>;
  const mask = (c: Record<string, unknown>): Record<string, unknown> => ({ ...c, Hostname: '<id12>' });
  const history = (cfg['history'] as Record<string, unknown>[]).map(({ created: _c, ...h }) => h);
  return {
    author: cfg['author'],
    config: mask(cfg['config'] as Record<string, unknown>),
    container_config: mask(cfg['container_config'] as Record<string, unknown>),
    container: typeof cfg['container'] === 'string' ? (cfg['container'] as string).length : undefined,
    history,
    layers: (cfg['rootfs'] as { diff_ids: string[] }).diff_ids.length,
  };
}

describe('the seed example: container changes become an image', () => {
  it('run → commit (-a -m -c) → history → run of the new image, as docker makes it', async () => {
    const d = await docker(['run', '--name', 'ct-job', '--network', 'none', BASE, 'sh', '-c', CHANGES]);
    expect(d.code, d.stderr).toBe(0);
    const b = await store.berth(['run', '--name', 'ct-job', '--network', 'none', BASE, 'sh', '-c', CHANGES]);
    expect(b.code, b.stderr).toBe(0);
    const commitArgs = ['commit', '-a', 'Jane <jane@example.com>', '-m', 'add f', '-c', 'CMD ["cat", "/f"]', '-c', 'ENV MODE=committed', 'ct-job', 'ct/committed:1'];
    const dc = await dockerOk(commitArgs);
    const bc = await store.ok(commitArgs);
    expect(bc).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(dc).toMatch(/^sha256:[0-9a-f]{64}\n$/);

    // The config: the container's config with the changes, container_config, author, history.
    expect(await commitConfig('berth', 'ct/committed:1')).toEqual(await commitConfig('docker', 'ct/committed:1'));
    // The files: the same tree, whiteout and modes included.
    await dockerOk(['save', '-o', join(work, 'd-commit.tar'), 'ct/committed:1']);
    await store.ok(['save', '-o', join(work, 'b-commit.tar'), 'ct/committed:1']);
    expect(diffTrees(await imageTree(join(work, 'd-commit.tar')), await imageTree(join(work, 'b-commit.tar')), ['docker', 'berth'])).toEqual([]);

    // history: the commit's line is the container's command, with the comment.
    const fmt = ['history', '--format', '{{.CreatedBy}}|{{.Comment}}', '--no-trunc', 'ct/committed:1'];
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    expect((await store.ok(fmt)).split('\n')[0]).toBe(`sh -c ${CHANGES}|add f`);
    const inspect = ['image', 'inspect', '-f', '{{.Parent}} {{.Author}} {{.Comment}} {{.Config.Cmd}} {{.Config.Env}}', 'ct/committed:1'];
    const baseId = (await store.ok(['image', 'inspect', '-f', '{{.Id}}', BASE])).trim();
    expect(await store.ok(inspect)).toBe(`${baseId} Jane <jane@example.com> add f [cat /f] [MODE=committed]\n`);

    // The new image runs with the changes in it.
    const shown = await store.berth(['run', '--rm', 'ct/committed:1']);
    expect(shown.stdout).toBe('hello\n');
    const ls = await store.berth(['run', '--rm', 'ct/committed:1', 'sh', '-c', 'test -e /bin/ls || echo gone; cat /tmp/t; echo $MODE']);
    expect(ls.stdout).toBe('gone\nx\ncommitted\n');
  });

  it('a commit without changes records an empty layer, as docker does', async () => {
    await store.ok(['run', '--name', 'ct-same', '--network', 'none', BASE, 'true']);
    await dockerOk(['run', '--name', 'ct-same', '--network', 'none', BASE, 'true']);
    await store.ok(['commit', 'ct-same', 'ct/same:1']);
    await dockerOk(['commit', 'ct-same', 'ct/same:1']);
    const fmt = ['history', '--format', '{{.CreatedBy}}|{{.Size}}', 'ct/same:1'];
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    const layers = ['image', 'inspect', '-f', '{{len .RootFS.Layers}}', 'ct/same:1'];
    expect(await store.ok(layers)).toBe(await dockerOk(layers));
  });
});

describe('run -d, ps, logs, stop, start, rm', () => {
  it('a detached container outlives the command; logs keep stdout and stderr apart', async () => {
    const script = 'echo out; echo err >&2; while true; do sleep 1; done';
    const id = (await store.ok(['run', '-d', '--name', 'ct-web', '--network', 'none', BASE, 'sh', '-c', script])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await dockerOk(['run', '-d', '--name', 'ct-web', '--network', 'none', BASE, 'sh', '-c', script]);
    const ps = await store.ok(['ps']);
    expect(ps.split('\n')[0]).toMatch(/^CONTAINER ID   IMAGE {24}COMMAND {18}CREATED +STATUS +PORTS +NAMES$/);
    expect(ps).toMatch(new RegExp(`^${id.slice(0, 12)}   berth-containers/busybox:1   "sh -c 'echo out; ec…"   (Less than a second|\\d+ seconds?) ago +Up (Less than a second|\\d+ seconds?) +ct-web$`, 'm'));
    // The columns docker fills the same way (the times aside).
    const fmt = ['ps', '--format', '{{.Image}}|{{.Command}}|{{.Ports}}|{{.Names}}|{{.State}}'];
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    const noTrunc = ['ps', '--no-trunc', '--format', '{{.Command}}'];
    expect(await store.ok(noTrunc)).toBe(await dockerOk(noTrunc));
    // Output reaches the log shortly after the start.
    let logs = await store.berth(['logs', 'ct-web']);
    for (let i = 0; i < 50 && logs.stdout === ''; i++) logs = await store.berth(['logs', 'ct-web']);
    expect(logs.stdout).toBe('out\n');
    expect(logs.stderr).toBe('err\n');
    expect(await store.ok(['ps', '-q'])).toBe(`${id.slice(0, 12)}\n`);
    expect(await store.ok(['ps', '-q', '--no-trunc'])).toBe(`${id}\n`);

    // rm refuses a running container; rmi refuses its image.
    const refused = await store.berth(['rm', 'ct-web']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`Error: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove\n`);

    // stop: SIGTERM is ignored by the shell as PID 1, so SIGKILL after -t.
    const started = Date.now();
    expect(await store.ok(['stop', '-t', '1', 'ct-web'])).toBe('ct-web\n');
    expect(Date.now() - started).toBeLessThan(8000);
    await dockerOk(['stop', '-t', '1', 'ct-web']);
    const status = ['ps', '-a', '--filter', 'name=ct-web', '--format', '{{.Status}}'];
    const bStatus = (await store.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).split('\n').find((l) => l.startsWith('ct-web '));
    expect(bStatus).toMatch(/^ct-web Exited \(137\) (Less than a second|\d+ seconds?) ago$/);
    expect(await dockerOk(status)).toMatch(/^Exited \(137\) /);

    // start reruns it in the same rootfs; the log goes on.
    expect(await store.ok(['start', 'ct-web'])).toBe('ct-web\n');
    expect((await store.ok(['ps', '--format', '{{.Names}} {{.State}}'])).trim()).toBe('ct-web running');
    for (let i = 0; i < 50 && (await store.ok(['logs', 'ct-web'])) !== 'out\nout\n'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await store.ok(['logs', 'ct-web'])).toBe('out\nout\n');
    expect(await store.ok(['rm', '-f', 'ct-web'])).toBe('ct-web\n');
    expect(await store.ok(['ps', '-aq'])).not.toContain(id.slice(0, 12));
  });

  it('create makes a container start runs later; restart stops and starts it again; as docker\'s', async () => {
    const args = ['--name', 'ct-made', '--network', 'none', '-e', 'WHO=made', BASE, 'sh', '-c', 'echo "$WHO"; sleep 300'];
    const id = (await store.ok(['create', ...args])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await dockerOk(['create', ...args]);
    const fmt = ['ps', '-a', '--filter', 'name=ct-made', '--format', '{{.Names}}|{{.Command}}|{{.State}}|{{.Status}}'];
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    expect(await store.ok(fmt)).toMatch(/^ct-made\|"sh -c .+…"\|created\|Created\n$/);
    for (const cmd of [['start', 'ct-made'], ['restart', '-t', '1', 'ct-made']]) {
      expect(await store.ok(cmd)).toBe('ct-made\n');
      expect(await dockerOk(cmd)).toBe('ct-made\n');
    }
    const state = ['inspect', '-f', '{{.State.Status}} {{.RestartCount}}', 'ct-made'];
    expect((await store.ok(state)).split(' ')[0]).toBe('running');
    expect((await dockerOk(state)).split(' ')[0]).toBe('running');
    // Two runs of the process: the log holds both.
    for (let i = 0; i < 50 && (await store.ok(['logs', 'ct-made'])) !== 'made\nmade\n'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await store.ok(['logs', 'ct-made'])).toBe(await dockerOk(['logs', 'ct-made']));
    expect(await store.ok(['rm', '-f', 'ct-made'])).toBe('ct-made\n');
    await dockerOk(['rm', '-f', 'ct-made']);
  });

  it('-h, -l and --env-file as docker\'s: the host name inside, the labels recorded, the file\'s variables before -e', async () => {
    const envFile = join(work, 'env.list');
    await writeFile(envFile, '# a comment\nX=from the file\n  Y=2\nPASSED_THROUGH\nUNSET_ONE\n\n');
    const args = ['--rm', '-h', 'myhost', '-l', 'a=b', '-l', 'c', '--env-file', envFile, '-e', 'Y=3', BASE, 'sh', '-c', 'hostname; cat /etc/hostname; echo "$X|$Y|$PASSED_THROUGH|${UNSET_ONE-unset}"'];
    const env = { ...process.env, PASSED_THROUGH: 'pt' };
    const viaBerth = await store.berth(['run', ...args], { env });
    expect(viaBerth.stdout).toBe('myhost\nmyhost\nfrom the file|3|pt|unset\n');
    expect(viaBerth.stdout).toBe((await docker(['run', ...args], { env })).stdout);
    const made = ['--name', 'ct-meta', '-h', 'meta', '-l', 'a=b', '-l', 'c', BASE, 'true'];
    await store.ok(['create', ...made]);
    await dockerOk(['create', ...made]);
    const fmt = ['inspect', '-f', '{{json .Config.Labels}} {{.Config.Hostname}}', 'ct-meta'];
    expect(await store.ok(fmt)).toBe('{"a":"b","c":""} meta\n');
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    await store.ok(['rm', 'ct-meta']);
    await dockerOk(['rm', 'ct-meta']);
    await writeFile(envFile, 'BAD NAME=1\n');
    const refused = await store.berth(['run', '--rm', '--env-file', envFile, BASE, 'true']);
    expect(refused.stderr).toContain("variable 'BAD NAME' contains whitespaces");
  });

  it('--read-only, -m and --cpus as docker\'s: writes refused, the cgroup limits set, HostConfig recorded', async () => {
    const readOnly = ['run', '--rm', '--read-only', BASE, 'sh', '-c', 'touch /x; echo "touch $?"; echo hi > /etc/hosts && echo "etc/hosts writable"'];
    const viaBerth = await store.berth(readOnly);
    expect(viaBerth.stdout).toBe((await docker(readOnly)).stdout);
    expect(viaBerth.stdout).toContain('touch 1\n');
    expect(viaBerth.stderr).toContain('Read-only file system');
    const limits = ['run', '--rm', '-m', '64m', '--cpus', '0.5', BASE, 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us'];
    const limited = await store.ok(limits);
    expect(limited).toBe('67108864\n50000\n100000\n');
    expect(limited).toBe(await dockerOk(limits));
    const made = ['--name', 'ct-limits', '--read-only', '-m', '64m', '--cpus', '1.5', BASE, 'true'];
    await store.ok(['create', ...made]);
    await dockerOk(['create', ...made]);
    const fmt = ['inspect', '-f', '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', 'ct-limits'];
    expect(await store.ok(fmt)).toBe('true 67108864 1500000000\n');
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    await store.ok(['rm', 'ct-limits']);
    await dockerOk(['rm', 'ct-limits']);
    const tooSmall = await store.berth(['run', '--rm', '-m', '1m', BASE, 'true']);
    expect(tooSmall.stderr).toContain('Minimum memory limit allowed is 6MB');
  });

  it('--restart: on-failure:2 restarts a failing container twice, always until stop, as docker\'s', async () => {
    const settle = async (get: () => Promise<string>, want: RegExp): Promise<string> => {
      let seen = '';
      for (let i = 0; i < 100 && !want.test((seen = await get())); i++) await new Promise((r) => setTimeout(r, 100));
      return seen;
    };
    const onFailure = ['run', '-d', '--restart', 'on-failure:2', '--name', 'ct-rf', BASE, 'sh', '-c', 'echo run; exit 3'];
    await store.ok(onFailure);
    await dockerOk(onFailure);
    const state = ['inspect', '-f', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'ct-rf'];
    const viaBerth = await settle(() => store.ok(state), /^2 exited/);
    expect(viaBerth).toBe('2 exited 3 on-failure 2\n');
    expect(await settle(() => dockerOk(state), /^2 exited/)).toBe(viaBerth);
    expect(await store.ok(['logs', 'ct-rf'])).toBe('run\nrun\nrun\n');
    expect(await store.ok(['logs', 'ct-rf'])).toBe(await dockerOk(['logs', 'ct-rf']));
    await store.ok(['rm', 'ct-rf']);
    await dockerOk(['rm', 'ct-rf']);
    // always: restarted after each exit, until a stop; then it stays down.
    await store.ok(['run', '-d', '--restart', 'always', '--name', 'ct-ra', BASE, 'sh', '-c', 'sleep 0.2']);
    expect(await settle(() => store.ok(['inspect', '-f', '{{.RestartCount}}', 'ct-ra']), /^[2-9]/)).toMatch(/^[2-9]\d*\n$/);
    await store.ok(['stop', 'ct-ra']);
    const count = await store.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'ct-ra']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await store.ok(['inspect', '-f', '{{.RestartCount}} {{.State.Status}}', 'ct-ra'])).toBe(count);
    expect(count).toMatch(/ exited\n$/);
    await store.ok(['rm', 'ct-ra']);
    for (const bad of [['--rm', '--restart', 'always'], ['--restart', 'always:3'], ['--restart', 'sometimes'], ['--restart', 'on-failure:-1'], ['--restart', ':3'], ['--restart', 'on-failure:x']]) {
      const refused = await store.berth(['run', ...bad, BASE, 'true']);
      expect(refused.code).toBe(125);
      const theirs = await docker(['run', ...bad, BASE, 'true']);
      // docker's words, whether its CLI or its daemon said them.
      expect(refused.stderr.replace(/^Error: /, '').trim()).toBe(theirs.stderr.replace(/^docker: (Error response from daemon: )?/, '').replace(/\n\nRun 'docker run --help' for more information\n$/, '').trim());
    }
  });

  it('logs -f follows a running container to its end; two processes racing for one name: one wins', async () => {
    await store.ok(['run', '-d', '--name', 'ct-follow', BASE, 'sh', '-c', 'for i in 1 2 3; do echo $i; echo e$i >&2; sleep 0.3; done']);
    const f = await store.berth(['logs', '-f', 'ct-follow']);
    expect(f.stdout).toBe('1\n2\n3\n');
    expect(f.stderr).toBe('e1\ne2\ne3\n');
    // --tail counts lines of both streams, as docker's does: the last one was e3.
    const tail = await store.berth(['logs', '--tail', '2', 'ct-follow']);
    expect([tail.stdout, tail.stderr]).toEqual(['3\n', 'e3\n']);
    await store.ok(['rm', 'ct-follow']);
    const race = await Promise.all([1, 2].map(() => store.berth(['run', '--name', 'ct-race', BASE, 'true'])));
    expect(race.map((r) => r.code).sort()).toEqual([0, 125]);
    expect(race.find((r) => r.code === 125)!.stderr).toMatch(/^Error: Conflict\. The container name "\/ct-race" is already in use by container "[0-9a-f]{64}"\./);
    await store.ok(['rm', 'ct-race']);
  });

  it('run in the foreground: output, exit code, --rm, -e/-w/-u, -v, and start -a', async () => {
    const before = await store.ok(['ps', '-aq']);
    const host = join(work, 'bind');
    await import('node:fs/promises').then((fs) => fs.mkdir(host, { recursive: true }));
    await writeFile(join(host, 'in.txt'), 'from the host\n');
    const r = await store.berth(['run', '--rm', '-e', 'A=1', '-w', '/tmp/wd', '-u', 'nobody', '-v', `${host}:/mnt:ro`, BASE, 'sh', '-c', 'echo $A $(pwd) $(id -u); cat /mnt/in.txt; echo e >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('1 /tmp/wd 65534\nfrom the host\n');
    expect(r.stderr).toBe('e\n');
    // --rm: nothing is left behind.
    expect(await store.ok(['ps', '-aq'])).toBe(before);

    await store.ok(['run', '--name', 'ct-again', BASE, 'sh', '-c', 'echo run >> /count; cat /count']);
    const again = await store.berth(['start', '-a', 'ct-again']);
    expect(again.stdout).toBe('run\nrun\n');
    expect(await store.ok(['logs', 'ct-again'])).toBe('run\nrun\nrun\n');
    await store.ok(['rm', 'ct-again']);
  });

  it('names: docker\'s clash message (exit 125), generated adjective_surname names', async () => {
    await store.ok(['run', '--name', 'ct-dup', BASE, 'true']);
    const clash = await store.berth(['run', '--name', 'ct-dup', BASE, 'true']);
    expect(clash.code).toBe(125);
    const id = (await store.ok(['ps', '-aq', '--no-trunc', '-l'])).trim();
    expect(clash.stderr).toBe(`Error: Conflict. The container name "/ct-dup" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.\n`);
    await store.ok(['rm', 'ct-dup']);
    await store.ok(['run', BASE, 'true']);
    expect((await store.ok(['ps', '-l', '--format', '{{.Names}}'])).trim()).toMatch(/^[a-z]+_[a-z]+$/);
    await store.ok(['rm', (await store.ok(['ps', '-lq'])).trim()]);
  });

  it('a missing command exits 127 with the runtime\'s reason', async () => {
    const r = await store.berth(['run', '--rm', BASE, 'nosuchcmd']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/^Error: .*nosuchcmd.*\n$/);
    // Detached too: run -d waits until the runtime says the process runs, so the failure is reported.
    const d = await store.berth(['run', '-d', '--name', 'ct-nosuch', BASE, 'nosuchcmd']);
    const dd = await docker(['run', '-d', '--name', 'ct-nosuch', '--network', 'none', BASE, 'nosuchcmd']);
    expect(d.code).toBe(dd.code);
    expect(d.code).toBe(127);
    expect(d.stdout).toBe('');
    expect(d.stderr).toMatch(/^Error: .*"nosuchcmd": executable file not found in \$PATH\n$/);
    await store.ok(['rm', 'ct-nosuch']);
    await docker(['rm', 'ct-nosuch']);
  });
});

describe('rmi and containers', () => {
  it('refuses an image a container uses, with docker\'s messages, unless forced', async () => {
    await store.ok(['tag', BASE, 'ct/used:1']);
    await dockerOk(['tag', BASE, 'ct/used:1']);
    await store.ok(['run', '--name', 'ct-user', 'ct/used:1', 'true']);
    await dockerOk(['run', '--name', 'ct-user', '--network', 'none', 'ct/used:1', 'true']);
    const mask = (s: string): string => s.replace(/^Error response from daemon: |^Error: /m, '').replace(/[0-9a-f]{12}/g, '<id>');
    const byTag = ['rmi', 'ct/used:1'];
    // Two tags: untagging one is fine; the last one is refused.
    expect(await store.ok(byTag)).toBe(await dockerOk(byTag));
    const last = ['rmi', BASE];
    const d = await docker(last);
    const b = await store.berth(last);
    expect(b.code).toBe(1);
    expect(mask(b.stderr)).toBe(mask(d.stderr));
    expect(b.stderr).toMatch(/^Error: conflict: unable to remove repository reference "berth-containers\/busybox:1" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}\n$/);
    const byId = async (who: 'd' | 'b'): Promise<string> => {
      const id = (await (who === 'd' ? dockerOk : store.ok)(['image', 'inspect', '-f', '{{.Id}}', BASE])).trim().slice(7, 19);
      const r = await (who === 'd' ? docker : store.berth)(['rmi', id]);
      return mask(r.stderr);
    };
    expect(await byId('b')).toBe(await byId('d'));
    await store.ok(['rm', 'ct-user']);
    await docker(['rm', 'ct-user']);
  });
});

describe('kill, wait, container inspect, container prune', () => {
  it('answer as docker does', async () => {
    await store.ok(['run', '-d', '--name', 'ct-k', BASE, 'sleep', '100']);
    await dockerOk(['run', '-d', '--name', 'ct-k', '--network', 'none', BASE, 'sleep', '100']);
    const waits = [store.berth(['wait', 'ct-k']), docker(['wait', 'ct-k'])];
    // sleep is PID 1: only a signal it cannot ignore ends it (KILL, the default).
    expect(await store.ok(['kill', 'ct-k'])).toBe(await dockerOk(['kill', 'ct-k']));
    const [bw, dw] = await Promise.all(waits);
    expect(bw!.stdout).toBe('137\n');
    expect(bw!.stdout).toBe(dw!.stdout);
    const fmt = ['container', 'inspect', '-f', '{{.Name}} {{.Path}} {{.Args}} {{.Config.Cmd}} {{.Config.Image}} {{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Error}}', 'ct-k'];
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    const again = await store.berth(['kill', 'ct-k']);
    const id = (await store.ok(['container', 'inspect', '-f', '{{.Id}}', 'ct-k'])).trim();
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`Error: Cannot kill container: ct-k: Container ${id} is not running\n`);
    const pruned = await store.ok(['container', 'prune', '-f']);
    expect(pruned).toMatch(new RegExp(`^Deleted Containers:\n([0-9a-f]{64}\n)*${id}\n([0-9a-f]{64}\n)*\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\n$`));
    expect(await store.ok(['ps', '-aq'])).toBe('');
  });
});

describe('run pulls a missing image', () => {
  it('says so on stderr as docker does, pulls, and runs', async () => {
    const reg = await startRegistry({ auth: 'none' });
    try {
      const name = `${reg.host}/ct/pulled:1`;
      await store.ok(['tag', BASE, name]);
      await store.ok(['push', '-q', name]);
      await store.ok(['rmi', name]);
      const b = await store.berth(['run', '--rm', name, 'echo', 'hi']);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toBe('hi\n');
      const d = await docker(['run', '--rm', '--network', 'none', name, 'echo', 'hi']);
      expect(d.stdout).toBe('hi\n');
      expect(b.stderr.split('\n')[0]).toBe(`Unable to find image '${name}' locally`);
      expect(b.stderr.split('\n')[0]).toBe(d.stderr.split('\n')[0]);
      expect(b.stderr).toContain(`Status: Downloaded newer image for ${name}`);
      // --pull always asks the registry again (no "Unable to find"); --pull never refuses a missing image as docker does.
      const always = await store.berth(['run', '--rm', '--pull', 'always', name, 'true']);
      expect(always.code, always.stderr).toBe(0);
      expect(always.stderr).not.toContain('Unable to find image');
      expect(always.stderr).toContain(`Status: Image is up to date for ${name}`);
      await docker(['rmi', name]);
      await store.ok(['rmi', name]);
      const never = await store.berth(['run', '--rm', '--pull', 'never', name, 'true']);
      const dNever = await docker(['run', '--rm', '--pull', 'never', name, 'true']);
      expect(never.code).toBe(125);
      expect(never.code).toBe(dNever.code);
      expect(never.stderr).toBe(`Error: No such image: ${name}\n`);
      // An ID is never pulled.
      const byId = await store.berth(['run', '--rm', 'abcdef123456', 'true']);
      expect(byId.code).toBe(125);
      expect(byId.stderr).toBe('Error: No such image: abcdef123456:latest\n');
    } finally {
      await reg.stop();
    }
  });
});

// name → type, mode, owner, size, link of every entry of a plain tar.
async function tarListing(file: string): Promise<Map<string, string>> {
  const { extract } = await import('tar-stream');
  const { createReadStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const out = new Map<string, string>();
  const ex = extract();
  ex.on('entry', (h, body, next) => {
    out.set(h.name.replace(/^\.?\//, '').replace(/\/$/, ''), `${h.type} ${((h.mode ?? 0) & 0o7777).toString(8)} ${h.uid}:${h.gid} ${h.size} ${h.linkname ?? ''}`);
    body.resume();
    body.on('end', next);
  });
  await pipeline(createReadStream(file), ex);
  return out;
}

describe('export', () => {
  it("writes the container's filesystem as docker export does", async () => {
    const script = 'echo hi > /f; ln /f /g; mkdir -p /d/e; rm /bin/ls; chmod 700 /d';
    await store.ok(['run', '--name', 'ct-x', BASE, 'sh', '-c', script]);
    await dockerOk(['run', '--name', 'ct-x', '--network', 'none', BASE, 'sh', '-c', script]);
    await store.ok(['export', '-o', join(work, 'b-export.tar'), 'ct-x']);
    await dockerOk(['export', '-o', join(work, 'd-export.tar'), 'ct-x']);
    const b = await tarListing(join(work, 'b-export.tar'));
    const d = await tarListing(join(work, 'd-export.tar'));
    // What each runtime mounts or writes for itself is not the image's (docker's init layer adds /etc/mtab too).
    const own = /^(\.dockerenv|etc\/(hostname|hosts|resolv\.conf|mtab)|(dev|proc|sys)\/.+)$/;
    const keep = (m: Map<string, string>): [string, string][] => [...m].filter(([k]) => !own.test(k)).sort(([x], [y]) => (x < y ? -1 : 1));
    expect(keep(b)).toEqual(keep(d));
    expect(b.get('g')).toBe('link 644 0:0 0 f');
    await store.ok(['rm', 'ct-x']);
  });
});

describe('inspect', () => {
  it('finds a container first, then an image; misses and --type as docker says them', async () => {
    await store.ok(['run', '--name', 'ct-i', BASE, 'echo']);
    await dockerOk(['run', '--name', 'ct-i', '--network', 'none', BASE, 'echo']);
    const c = ['inspect', '-f', '{{.Name}} {{.State.Status}} {{.Config.Image}}', 'ct-i'];
    expect(await store.ok(c)).toBe(await dockerOk(c));
    const i = ['inspect', '-f', '{{.RepoTags}} {{.Config.Cmd}}', BASE];
    expect(await store.ok(i)).toBe(await dockerOk(i));
    const mask = (s: string): string => s.replace(/^Error response from daemon: /gm, 'Error: ');
    for (const args of [['inspect', 'ct-nope'], ['inspect', '--type', 'image', 'ct-i'], ['inspect', '--type', 'container', BASE]]) {
      const b = await store.berth(args);
      const d = await docker(args);
      expect(b.code, args.join(' ')).toBe(d.code);
      expect(mask(b.stderr), args.join(' ')).toBe(mask(d.stderr));
      expect(b.stdout, args.join(' ')).toBe(d.stdout);
    }
    await store.ok(['rm', 'ct-i']);
  });

  it("container inspect has dockerd's keys in dockerd's order, with the same network settings, mounts and host config", async () => {
    const src = await mkdtemp(join(work, 'bind-'));
    for (const [name, network] of [['ct-ins-h', 'host'], ['ct-ins-n', 'none']] as const) {
      const args = ['create', '--name', name, '--network', network, '-v', `${src}:/mnt:ro`, '--restart', 'on-failure:3', '-m', '64m', '--read-only', BASE, 'true'];
      await dockerOk(args);
      await store.ok(args);
      const [theirs, mine] = [JSON.parse(await dockerOk(['container', 'inspect', name]))[0], JSON.parse(await store.ok(['container', 'inspect', name]))[0]] as Record<string, unknown>[];
      // What only the runtime knows (its /etc files, its storage driver) is left out; the rest is dockerd's, in order.
      const runtimeOnly = new Set(['ResolvConfPath', 'HostnamePath', 'HostsPath', 'Driver', 'GraphDriver']);
      expect(Object.keys(mine!)).toEqual(Object.keys(theirs!).filter((k) => !runtimeOnly.has(k)));
      const hostKeys = Object.keys(mine!.HostConfig as object);
      expect(hostKeys).toEqual(Object.keys(theirs!.HostConfig as object).filter((k) => hostKeys.includes(k)));
      // The daemon's JSON as it is (dockerd 20.10's shapes): the same values.
      const pick = (i: Record<string, unknown>): unknown => {
        const h = i.HostConfig as Record<string, unknown>;
        return {
          NetworkSettings: i.NetworkSettings, Platform: i.Platform, ExecIDs: i.ExecIDs, Labels: [i.MountLabel, i.ProcessLabel, i.AppArmorProfile],
          Mounts: (i.Mounts as Record<string, unknown>[]).map(({ Propagation: _, ...m }) => m),
          HostConfig: Object.fromEntries(hostKeys.map((k) => [k, h[k]])),
        };
      };
      expect(pick(mine!)).toEqual(pick(theirs!));
      // Templates on what scripts ask. (docker's CLI runs them on its typed structs: `{{json .NetworkSettings}}`
      // would print Go's field order, which berth's maps do not have; see docs/containers.md.)
      const fmt = ['container', 'inspect', '-f', [
        '{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.Gateway}}', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{end}}',
        '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.Mode}} {{.RW}}{{end}}',
        '{{.HostConfig.LogConfig.Type}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.NetworkMode}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}}',
        '{{json .HostConfig.Binds}} {{.Platform}} {{.MountLabel}}|{{.ProcessLabel}}|{{.AppArmorProfile}}',
      ].join('\n'), name];
      expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
      await store.ok(['rm', name]);
      await docker(['rm', name]);
    }
    // No binds: null, as moby keeps them.
    await dockerOk(['create', '--name', 'ct-ins-0', '--network', 'none', BASE, 'true']);
    await store.ok(['create', '--name', 'ct-ins-0', '--network', 'none', BASE, 'true']);
    const binds = ['container', 'inspect', '-f', '{{json .HostConfig.Binds}} {{json .Mounts}}', 'ct-ins-0'];
    expect(await store.ok(binds)).toBe(await dockerOk(binds));
    await store.ok(['rm', 'ct-ins-0']);
    await docker(['rm', 'ct-ins-0']);
  });
});

describe('rename', () => {
  it('renames, and refuses a taken or unchanged name with docker\'s messages', async () => {
    for (const n of ['ct-r1', 'ct-r2']) {
      await store.ok(['run', '--name', n, BASE, 'echo']);
      await dockerOk(['run', '--name', n, '--network', 'none', BASE, 'echo']);
    }
    expect(await store.ok(['rename', 'ct-r1', 'ct-r1b'])).toBe(await dockerOk(['rename', 'ct-r1', 'ct-r1b']));
    expect((await store.ok(['ps', '-a', '-f', 'name=ct-r', '--format', '{{.Names}}'])).split('\n').sort()).toEqual(['', 'ct-r1b', 'ct-r2']);
    const mask = (s: string): string => s.replace(/^Error response from daemon: |^Error: /, '').replace(/[0-9a-f]{64}/g, '<id>');
    for (const args of [['rename', 'ct-r1b', 'ct-r2'], ['rename', 'ct-r2', 'ct-r2'], ['rename', 'ct-r2', 'b@d']]) {
      const b = await store.berth(args);
      const d = await docker(args);
      expect(b.code, args.join(' ')).not.toBe(0);
      expect(mask(b.stderr), args.join(' ')).toBe(mask(d.stderr));
    }
    await store.ok(['rm', 'ct-r1b', 'ct-r2']);
  });
});

describe('ps --filter', () => {
  it('status, exited, name, ancestor, before/since and bad filters as docker answers them', async () => {
    for (const [name, code] of [['ct-f1', '0'], ['ct-f2', '3']] as const) {
      await store.berth(['run', '--name', name, BASE, 'sh', '-c', `exit ${code}`]);
      await docker(['run', '--name', name, '--network', 'none', BASE, 'sh', '-c', `exit ${code}`]);
    }
    const cases = [
      ['-f', 'status=exited', '-f', 'name=ct-f'],
      ['-f', 'exited=3', '-f', 'name=ct-f'],
      ['-a', '-f', 'exited=3', '-f', 'name=ct-f'],
      ['-a', '-f', 'name=^/?ct-f1$'],
      ['-a', '-f', 'name=ct-f', '-f', `ancestor=${BASE}`],
      ['-a', '-f', 'name=ct-f', '-f', 'since=ct-f1'],
      ['-a', '-f', 'name=ct-f', '-f', 'before=ct-f2'],
      ['-a', '-f', 'name=ct-f', '-f', 'status=running'],
    ];
    for (const c of cases) {
      const args = ['ps', ...c, '--format', '{{.Names}} {{.State}}'];
      expect(await store.ok(args), c.join(' ')).toBe(await dockerOk(args));
    }
    for (const bad of ['nope=1', 'status=bogus', 'exited=x']) {
      const b = await store.berth(['ps', '-f', bad]);
      const d = await docker(['ps', '-f', bad]);
      expect(b.code).toBe(1);
      expect(b.stderr.replace(/^Error: /, '')).toBe(d.stderr.replace(/^Error response from daemon: /, ''));
    }
    await store.ok(['rm', 'ct-f1', 'ct-f2']);
  });
});

describe('a container whose image was removed', () => {
  it('rmi -f takes the image from a stopped container; ps shows its ID; rm leaves no mount and no files', async () => {
    await store.ok(['import', baseTar, 'ct/solo:1']);
    await store.ok(['run', '--name', 'ct-orphan', 'ct/solo:1', 'sh', '-c', 'echo x > /y']);
    const id = (await store.ok(['ps', '-aq', '--no-trunc', '-l'])).trim();
    const imageId = (await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'ct/solo:1'])).trim();
    expect(await store.ok(['rmi', '-f', 'ct/solo:1'])).toContain(`Deleted: ${imageId}`);
    expect(await store.ok(['ps', '-l', '--format', '{{.Image}}'])).toBe(`${imageId.slice(7, 19)}\n`);
    expect(await store.ok(['rm', 'ct-orphan'])).toBe('ct-orphan\n');
    expect(await readFile('/proc/self/mountinfo', 'utf8')).not.toContain(id);
    const { stat } = await import('node:fs/promises');
    expect(await stat(join(store.root, 'berth', 'runtime', 'containers', id)).catch(() => 'gone')).toBe('gone');
  });
});

describe("the runtime's unpack cache", () => {
  it('rmi drops the unpacked layers nothing needs; after rmi -f, the rm of the last container does', async () => {
    const { mkdir, readdir } = await import('node:fs/promises');
    const tree = await busyboxRootfs(join(work, 'own-rootfs'));
    await mkdir(join(tree, 'own'));
    await writeFile(join(tree, 'own', 'marker'), `only this image has me ${process.pid}\n`);
    const tar = await rootfsTar(tree, join(work, 'own.tar'));
    const layers = join(store.root, 'berth', 'runtime', 'layers');
    const cached = async (): Promise<string[]> => readdir(layers).catch(() => [] as string[]);
    const ownChain = async (ref: string): Promise<string> => (await store.ok(['image', 'inspect', '-f', '{{index .RootFS.Layers 0}}', ref])).trim().replace(':', '-');

    await store.ok(['import', tar, 'ct/own:1']);
    const chain = await ownChain('ct/own:1');
    await store.ok(['run', '--rm', 'ct/own:1', 'cat', '/own/marker']);
    expect(await cached()).toContain(chain);
    const others = (await cached()).filter((c) => c !== chain);
    await store.ok(['rmi', 'ct/own:1']);
    expect(await cached()).toEqual(others);

    // A container outlives a forced rmi of its image, and so do the layers it stands on.
    await store.ok(['import', tar, 'ct/own:2']);
    await store.ok(['run', '--name', 'ct-own', 'ct/own:2', 'cat', '/own/marker']);
    await store.ok(['rmi', '-f', 'ct/own:2']);
    expect(await cached()).toContain(chain);
    expect(await store.ok(['start', '-a', 'ct-own'])).toBe(`only this image has me ${process.pid}\n`);
    await store.ok(['rm', 'ct-own']);
    expect(await cached()).toEqual(others);
    // The shared base layer stays for the images that still use it.
    expect(await store.ok(['run', '--rm', BASE, 'true'])).toBe('');
  });
});

describe('the seed example: a built web image run detached', () => {
  it('builds the seed Dockerfile; run -d --name web, then logs and ps show it as docker does', async () => {
    const ctx = join(work, 'seed');
    await cp(new URL('./fixtures/dockerfiles/26-seed-example', import.meta.url), ctx, { recursive: true });
    const df = join(ctx, 'Dockerfile');
    await writeFile(df, (await readFile(df, 'utf8')).replace(/^FROM .*$/m, `FROM ${BASE}`));
    await store.ok(['build', '-q', '-t', 'ct/seed:1', ctx]);
    await dockerOk(['build', '-q', '-t', 'ct/seed:1', ctx]);
    const id = (await store.ok(['run', '-d', '--name', 'ct-seedweb', 'ct/seed:1'])).trim();
    await dockerOk(['run', '-d', '--name', 'ct-seedweb', '--network', 'none', 'ct/seed:1']);
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('hello from berth'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = await store.ok(['logs', 'ct-seedweb']);
    }
    expect(logs.split('\n')[0]).toBe('<h1>hello from berth</h1>');
    // The image's CMD as the command; no PORTS without a bridge network (EXPOSE 80 notwithstanding).
    const fmt = ['ps', '--format', '{{.Image}}|{{.Command}}|{{.Ports}}|{{.Names}}|{{.State}}'];
    expect(await store.ok(fmt)).toBe('ct/seed:1|"/run.sh"||ct-seedweb|running\n');
    expect(await store.ok(fmt)).toBe(await dockerOk(fmt));
    expect(await store.ok(['ps', '-q'])).toBe(`${id.slice(0, 12)}\n`);
    expect(await store.ok(['rm', '-f', 'ct-seedweb'])).toBe('ct-seedweb\n');
    await dockerOk(['rm', '-f', 'ct-seedweb']);
    expect(await store.ok(['ps', '-q'])).toBe('');
  });
});
