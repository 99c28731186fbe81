// `berth build` beside `docker build` (dockerd's classic builder) and `buildah build --layers
// --isolation chroot`, in one run: a 10-step Dockerfile whose context holds 20,000 small files and
// one 210 MB file. Cold = `--no-cache`; warm = everything cached but the last COPY, whose file
// changed. Also berth's very first build on a fresh store (no file digests remembered yet).
// Medians and ratios (berth / other) go to bench/results/build.json.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, startDockerd } from '@berth/testkit';
import { median } from './timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The `berth` command as npm installs it (its launcher sets glibc's huge-page tunable, then runs node).
const BERTH = join(import.meta.dirname, '../apps/cli/bin/berth');
const BASE = 'bench/busybox:1';
const DOCKERFILE = [
  `FROM ${BASE}`,
  'ENV APP=/app',
  'WORKDIR /app',
  'COPY small /app/small',
  'LABEL stage=one',
  'COPY big.bin /app/big.bin',
  'ENV MODE=bench',
  'EXPOSE 8080',
  'USER nobody',
  'COPY last.txt /app/last.txt',
  '',
].join('\n');

function sh(cmd, args, env = process.env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

async function makeContext(dir) {
  for (let d = 0; d < 20; d++) {
    await mkdir(join(dir, 'small', `d${d}`), { recursive: true });
    for (let i = 0; i < 1000; i++) await writeFile(join(dir, 'small', `d${d}`, `f${i}.txt`), `file ${d}/${i} ${randomBytes(24).toString('hex')}\n`);
  }
  const big = await open(join(dir, 'big.bin'), 'w');
  for (let i = 0; i < 210; i++) await big.write(randomBytes(1 << 20));
  await big.close();
  await writeFile(join(dir, 'last.txt'), 'v0\n');
  await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
}

const work = await mkdtemp(join(tmpdir(), 'bench-build-'));
const dockerd = await startDockerd();
try {
  const ctx = join(work, 'ctx');
  await makeContext(ctx);
  const baseTar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));

  const berthStore = join(work, 'berth');
  const berthEnv = { ...process.env, BERTH_ROOT: berthStore };
  sh(BERTH, ['import', baseTar, BASE], berthEnv);

  const dockerBuild = async (args) => {
    const t = process.hrtime.bigint();
    const r = await dockerd.docker(['build', ...args], { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 900_000 });
    if (r.code !== 0) throw new Error(`docker build: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  if ((await dockerd.docker(['import', baseTar, BASE])).code !== 0) throw new Error('docker import failed');

  // buildah gets a private containers-storage (overlay), fed the same base through skopeo.
  const bah = ['--root', join(work, 'bah-root'), '--runroot', join(work, 'bah-run'), '--storage-driver', 'overlay'];
  const saved = join(work, 'base-docker.tar');
  if ((await dockerd.docker(['save', '-o', saved, BASE])).code !== 0) throw new Error('docker save failed');
  sh('skopeo', ['copy', '-q', `docker-archive:${saved}`, `containers-storage:[overlay@${join(work, 'bah-root')}+${join(work, 'bah-run')}]${BASE}`]);
  const buildah = (extra) => sh('buildah', [...bah, 'build', '--layers', '--isolation', 'chroot', '-q', '-t', 'bench/out:1', ...extra, '-f', join(ctx, 'Dockerfile'), ctx]);
  const berth = (extra) => sh(BERTH, ['build', '-q', '-t', 'bench/out:1', ...extra, ctx], berthEnv);

  const times = { 'berth first build (fresh store)': [], 'berth cold': [], 'buildah cold': [], 'docker cold': [], 'berth warm': [], 'buildah warm': [], 'docker warm': [] };
  for (let run = 0; run < RUNS; run++) {
    const fresh = join(work, `fresh-${run}`);
    sh(BERTH, ['import', baseTar, BASE], { ...process.env, BERTH_ROOT: fresh });
    times['berth first build (fresh store)'].push(sh(BERTH, ['build', '-q', ctx], { ...process.env, BERTH_ROOT: fresh }));
    await rm(fresh, { recursive: true, force: true });

    times['berth cold'].push(berth(['--no-cache']));
    times['buildah cold'].push(buildah(['--no-cache']));
    times['docker cold'].push(await dockerBuild(['-q', '--no-cache', '-t', 'bench/out:1', ctx]));
    // Warm: every step is cached except the last COPY, whose file changed.
    await writeFile(join(ctx, 'last.txt'), `v${run + 1}\n`);
    times['berth warm'].push(berth([]));
    times['buildah warm'].push(buildah([]));
    times['docker warm'].push(await dockerBuild(['-q', '-t', 'bench/out:1', ctx]));
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  for (const [k, v] of Object.entries(m)) console.log(`${k.padEnd(32)} ${(v / 1000).toFixed(2).padStart(7)} s`);
  const ratios = {
    'cold berth/buildah': m['berth cold'] / m['buildah cold'],
    'cold berth/docker': m['berth cold'] / m['docker cold'],
    'warm berth/buildah': m['berth warm'] / m['buildah warm'],
    'warm berth/docker': m['berth warm'] / m['docker warm'],
    'first build berth/buildah cold': m['berth first build (fresh store)'] / m['buildah cold'],
  };
  for (const [k, v] of Object.entries(ratios)) console.log(`${k.padEnd(32)} ${v.toFixed(2)}`);
  const versions = {
    docker: spawnSync('dockerd', ['--version']).stdout.toString().trim(),
    buildah: spawnSync('buildah', ['--version']).stdout.toString().trim(),
    node: process.version,
  };
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(join(import.meta.dirname, 'results', 'build.json'), JSON.stringify({ runs: RUNS, versions, mediansMs: m, ratios, samplesMs: times }, null, 2) + '\n');
} finally {
  await dockerd.stop();
  spawnSync('sh', ['-c', `umount -R ${join(work, 'bah-root')}/overlay 2>/dev/null; true`]);
  await rm(work, { recursive: true, force: true });
}
