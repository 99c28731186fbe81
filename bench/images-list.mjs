#!/usr/bin/env node
// Issue #2 point 5: `berth images` against `docker images` with the same 1,000 tagged images,
// side by side in one run, medians of several runs, reported as a ratio.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerd, requirePeer } from '@berth/testkit';
import { writeArchiveOfMany } from './archive-of-many.mjs';
import { timeCommand } from './timing.mjs';

const COUNT = Number(process.env.BENCH_IMAGES ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
// The `berth` command as npm installs it (its launcher sets glibc's huge-page tunable, then runs node).
const berthBin = join(import.meta.dirname, '..', 'apps', 'cli', 'bin', 'berth');
const work = mkdtempSync(join(tmpdir(), 'bench-images-'));
const archive = join(work, 'many.tar');
const root = join(work, 'store');

requirePeer('docker');
const dockerd = await startDockerd();
try {
  await writeArchiveOfMany(archive, COUNT);
  const env = { ...process.env, BERTH_ROOT: root };
  const load = spawnSync(berthBin, ['load', '-q', '-i', archive], { env, encoding: 'utf8' });
  if (load.status !== 0) throw new Error(`berth load failed: ${load.stderr}`);
  // 1,000 images take dockerd 20.10 over two minutes to load on a slow day.
  const dl = await dockerd.docker(['load', '-q', '-i', archive], { timeoutMs: 900_000 });
  if (dl.code !== 0) throw new Error(`docker load failed: ${dl.stderr}`);

  const count = (out) => out.trim().split('\n').length - 1;
  const b = spawnSync(berthBin, ['images'], { env, encoding: 'utf8' });
  const d = await dockerd.docker(['images']);
  if (count(b.stdout) !== COUNT || count(d.stdout) !== COUNT) throw new Error(`expected ${COUNT} rows, berth ${count(b.stdout)}, docker ${count(d.stdout)}`);

  const dockerEnv = { ...process.env, DOCKER_HOST: dockerd.host };
  const berth = timeCommand(berthBin, ['images'], { runs: RUNS, env });
  const docker = timeCommand('docker', ['images'], { runs: RUNS, env: dockerEnv });
  const result = {
    bench: 'images-list', images: COUNT, runs: RUNS, node: process.version,
    berthMedianMs: Math.round(berth.median), dockerMedianMs: Math.round(docker.median),
    ratio: Number((berth.median / docker.median).toFixed(2)),
  };
  console.log(`berth images  (${COUNT} images): median ${result.berthMedianMs} ms`);
  console.log(`docker images (${COUNT} images): median ${result.dockerMedianMs} ms`);
  console.log(`ratio berth/docker: ${result.ratio}`);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'images-list.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await dockerd.stop();
  rmSync(work, { recursive: true, force: true });
}
