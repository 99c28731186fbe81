#!/usr/bin/env node
// Issue #4 point 4: berthd's registry face against Debian's docker-registry (distribution) on the
// same machine, side by side in one run: 50 MB blob GET throughput at concurrency 1 and 32, manifest
// GET requests per second at concurrency 32, 4 clients pushing 20 images each; peak RSS of both.
// BENCH_ROUNDS rounds (default 3), the two targets interleaved (order swapped each round), medians
// reported, so a noisy neighbour on the shared machine hits both sides alike.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { startRegistry } from '@berth/testkit';

const BLOB_MB = Number(process.env.BENCH_BLOB_MB ?? 50);
const MANIFEST_SECONDS = Number(process.env.BENCH_MANIFEST_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PUSH_CLIENTS = 4;
const PUSH_IMAGES = Number(process.env.BENCH_PUSH_IMAGES ?? 20);
const LAYER_BYTES = 1024 * 1024;
const berthdBin = join(import.meta.dirname, '..', 'apps', 'server', 'bin', 'berthd.js');
const work = mkdtempSync(join(tmpdir(), 'bench-registry-'));

const sha = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function startBerthd() {
  const child = spawn(process.execPath, [berthdBin, '--root', join(work, 'berthd'), '--listen', '127.0.0.1:0', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  // With logs at warn, ask the OS which port it took.
  await new Promise((r) => setTimeout(r, 1500));
  const ports = readFileSync('/proc/net/tcp', 'utf8');
  const inodes = new Set();
  const { readdirSync, readlinkSync } = await import('node:fs');
  for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
    const link = (() => { try { return readlinkSync(`/proc/${child.pid}/fd/${fd}`); } catch { return ''; } })();
    const m = /socket:\[(\d+)\]/.exec(link);
    if (m) inodes.add(m[1]);
  }
  for (const line of ports.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && inodes.has(f[9])) return { url: `http://127.0.0.1:${parseInt(f[1].split(':')[1], 16)}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
  }
  throw new Error('berthd did not listen');
}

function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function watchRss(pid) {
  let peak = rssOf(pid);
  const t = setInterval(() => { try { peak = Math.max(peak, rssOf(pid)); } catch {} }, 50);
  return { stop: () => { clearInterval(t); return peak; } };
}

async function post(base, repo, data) {
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (res.status !== 202) throw new Error(`POST ${res.status}`);
  const loc = new URL(res.headers.get('location'), base);
  const patched = await fetch(loc, { method: 'PATCH', body: data, headers: { 'content-type': 'application/octet-stream' } });
  if (patched.status !== 202) throw new Error(`PATCH ${patched.status}`);
  const put = new URL(patched.headers.get('location'), base);
  put.searchParams.set('digest', sha(data));
  const done = await fetch(put, { method: 'PUT' });
  if (done.status !== 201) throw new Error(`PUT ${done.status} ${await done.text()}`);
}

async function drain(res) {
  let n = 0;
  for await (const c of res.body) n += c.length;
  return n;
}

async function blobThroughput(base, digest, concurrency, requests) {
  const start = performance.now();
  let bytes = 0;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < requests) bytes += await drain(await fetch(`${base}/v2/bench/blob/blobs/${digest}`));
  }));
  return bytes / 1e6 / ((performance.now() - start) / 1000);
}

async function manifestRps(base, concurrency, seconds) {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const res = await fetch(`${base}/v2/bench/manifest/manifests/1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`manifest GET ${res.status}`);
      n++;
    }
  }));
  return n / seconds;
}

async function layerTar(seed) {
  const pack = tar.pack();
  pack.entry({ name: 'data.bin', mtime: new Date(0) }, randomBytes(LAYER_BYTES));
  pack.entry({ name: 'seed.txt', mtime: new Date(0) }, seed);
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  return Buffer.concat(chunks);
}

async function image(seed) {
  const layer = await layerTar(seed);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: sha(layer), size: layer.length }],
  }));
  return { layer, config, manifest };
}

async function pushImage(base, repo, img) {
  await post(base, repo, img.layer);
  await post(base, repo, img.config);
  const res = await fetch(`${base}/v2/${repo}/manifests/1`, { method: 'PUT', body: img.manifest, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' } });
  if (res.status !== 201) throw new Error(`manifest PUT ${res.status} ${await res.text()}`);
}

async function pushes(base, images, tagPrefix) {
  const start = performance.now();
  await Promise.all(Array.from({ length: PUSH_CLIENTS }, async (_, c) => {
    for (let i = 0; i < PUSH_IMAGES; i++) await pushImage(base, `${tagPrefix}/c${c}-i${i}`, images[c][i]);
  }));
  return (PUSH_CLIENTS * PUSH_IMAGES) / ((performance.now() - start) / 1000);
}

const berthd = await startBerthd();
const registry = await startRegistry();
const targets = [
  { name: 'berthd', url: berthd.url, pid: berthd.pid },
  { name: 'distribution', url: registry.url, pid: undefined },
];
try {
  // docker-registry's pid: the process listening on its port.
  const { execSync } = await import('node:child_process');
  targets[1].pid = Number(execSync(`ss -ltnpH 'sport = :${new URL(registry.url).port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2`).toString().trim());

  const blob = randomBytes(BLOB_MB * 1024 * 1024);
  const digest = sha(blob);
  const tiny = await image('manifest');
  // Fresh layers every round: a push of bytes the registry already holds would measure dedup.
  const imageSet = (round) => Promise.all(Array.from({ length: PUSH_CLIENTS }, (_, c) => Promise.all(Array.from({ length: PUSH_IMAGES }, (_, i) => image(`r${round}-c${c}-i${i}`)))));
  const samples = { berthd: [], distribution: [] };
  const peaks = { berthd: 0, distribution: 0 };
  for (const t of targets) {
    await post(t.url, 'bench/blob', blob);
    await pushImage(t.url, 'bench/manifest', tiny);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const images = await imageSet(round);
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const rss = watchRss(t.pid);
      const r = {};
      r.blobGetC1 = await blobThroughput(t.url, digest, 1, 10);
      r.blobGetC32 = await blobThroughput(t.url, digest, 32, 32);
      r.manifestRpsC32 = await manifestRps(t.url, 32, MANIFEST_SECONDS);
      r.pushImagesPerSec = await pushes(t.url, images, `push-${t.name}-r${round}`);
      peaks[t.name] = Math.max(peaks[t.name], rss.stop() / 1e6);
      samples[t.name].push(r);
      console.error(`round ${round + 1}/${ROUNDS} ${t.name}: ${JSON.stringify(r)}`);
    }
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const rows = {};
  for (const t of targets) {
    const r = {};
    for (const k of Object.keys(samples[t.name][0])) r[k] = median(samples[t.name].map((x) => x[k]));
    r.peakRssMB = peaks[t.name];
    rows[t.name] = r;
  }
  const b = rows.berthd;
  const d = rows.distribution;
  const line = (label, key, unit, higherIsBetter = true) =>
    console.log(`${label.padEnd(34)} berthd ${b[key].toFixed(1).padStart(9)} ${unit.padEnd(9)} distribution ${d[key].toFixed(1).padStart(9)} ${unit.padEnd(9)} ratio ${(higherIsBetter ? b[key] / d[key] : d[key] / b[key]).toFixed(2)}`);
  line(`blob GET ${BLOB_MB} MB, concurrency 1`, 'blobGetC1', 'MB/s');
  line(`blob GET ${BLOB_MB} MB, concurrency 32`, 'blobGetC32', 'MB/s');
  line('manifest GET, concurrency 32', 'manifestRpsC32', 'req/s');
  line(`push ${PUSH_CLIENTS}×${PUSH_IMAGES} images (1 MiB layer)`, 'pushImagesPerSec', 'images/s');
  console.log(`medians of ${ROUNDS} interleaved rounds`);
  line('peak RSS during the run', 'peakRssMB', 'MB', false);
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(join(import.meta.dirname, 'results', 'registry-serve.json'), JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, rows, samples }, null, 2));
} finally {
  berthd.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
