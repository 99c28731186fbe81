// Cold pull and cold push of a ~260 MB, 10-layer image against the local docker-registry, side by
// side with skopeo and docker in one run; medians and ratios (berth / other), berth's peak RSS.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { startDockerd, startRegistry } from '@berth/testkit';
import { median } from './timing.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The `berth` command as npm installs it (its launcher sets glibc's huge-page tunable, then runs node).
const BERTH = join(import.meta.dirname, '../apps/cli/bin/berth');

class Hashing extends Transform {
  constructor() { super(); this.hash = createHash('sha256'); this.size = 0; }
  _transform(c, _e, cb) { this.hash.update(c); this.size += c.length; cb(null, c); }
  digest() { return `sha256:${this.hash.digest('hex')}`; }
}

/** Writes one gzip layer blob into the layout from tar entries produced by `fill(pack)`. */
async function layer(blobs, fill) {
  const pack = tar.pack();
  const diff = new Hashing();
  const blob = new Hashing();
  const tmp = join(blobs, `tmp-${Math.random()}`);
  const writing = pipeline(pack, diff, createGzip({ level: 1 }), blob, createWriteStream(tmp));
  await fill(pack);
  pack.finalize();
  await writing;
  const digest = blob.digest();
  await (await import('node:fs/promises')).rename(tmp, join(blobs, digest.slice(7)));
  return { desc: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: blob.size }, diffID: diff.digest(), tarSize: diff.size };
}

async function writeEntry(pack, name, size, chunk) {
  const entry = pack.entry({ name, size, mode: 0o644, mtime: new Date(0) });
  for (let left = size; left > 0;) {
    const c = chunk(Math.min(left, 1 << 20));
    left -= c.length;
    if (!entry.write(c)) await once(entry, 'drain');
  }
  entry.end();
  await once(entry, 'finish').catch(() => {});
}

async function makeLayout(dir) {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const layers = [];
  // 210 MB of incompressible data in one file.
  layers.push(await layer(blobs, (p) => writeEntry(p, 'random.bin', 210 << 20, (n) => randomBytes(n))));
  // 20,000 small files.
  layers.push(await layer(blobs, async (p) => {
    for (let i = 0; i < 20_000; i++) p.entry({ name: `small/${Math.floor(i / 1000)}/f${i}.txt`, mode: 0o644, mtime: new Date(0) }, `file ${i} ${randomBytes(24).toString('hex')}\n`);
  }));
  // Eight text layers of ~7 MB (compressible, as binaries and libraries are).
  for (let i = 0; i < 8; i++) layers.push(await layer(blobs, (p) => writeEntry(p, `text-${i}.txt`, 7 << 20, (n) => Buffer.from(randomBytes(Math.ceil(n * 0.75)).toString('base64').slice(0, n)))));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) }, history: layers.map(() => ({ created_by: 'bench' })) }));
  const cfgDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await writeFile(join(blobs, cfgDigest.slice(7)), config);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: config.length }, layers: layers.map((l) => l.desc) }));
  const mDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await writeFile(join(blobs, mDigest.slice(7)), manifest);
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: mDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '1' } }] }));
  return { bytes: layers.reduce((s, l) => s + l.desc.size, 0), tarBytes: layers.reduce((s, l) => s + l.tarSize, 0), layers: layers.length };
}

/** Flushes what earlier steps left dirty (docker's load and rmi write hundreds of MB), so no timed command pays for another's writeback. */
function quiesce() {
  spawnSync('sync');
}

function sh(cmd, args, env = process.env) {
  quiesce();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stderr: String(r.stderr) };
}

const work = await mkdtemp(join(tmpdir(), 'bench-registry-'));
const reg = await startRegistry({ auth: 'none' });
const dockerd = await startDockerd();
try {
  const layout = join(work, 'layout');
  const facts = await makeLayout(layout);
  console.log(`image: ${facts.layers} layers, ${(facts.bytes / 1e6).toFixed(0)} MB compressed, ${(facts.tarBytes / 1e6).toFixed(0)} MB uncompressed`);
  const src = `${reg.host}/bench/src:1`;
  const skopeoCache = '/var/lib/containers/cache/blob-info-cache-v1.sqlite';
  sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${src}`]);
  const archive = join(work, 'image.tar');
  sh('skopeo', ['copy', '-q', `oci:${layout}:1`, `oci-archive:${archive}:bench/img:1`]);
  const dockerArchive = join(work, 'docker.tar');
  sh('skopeo', ['copy', '-q', `oci:${layout}:1`, `docker-archive:${dockerArchive}:bench/img:1`]);

  const times = { 'berth pull': [], 'skopeo pull': [], 'docker pull': [], 'berth push': [], 'skopeo push': [], 'docker push': [] };
  let berthPullRss = 0;
  for (let run = 0; run < RUNS; run++) {
    // Pulls: empty destinations each time.
    const store = join(work, `store-${run}`);
    const env = { ...process.env, BERTH_ROOT: store };
    const timed = sh('/usr/bin/time', ['-f', 'RSS %M', BERTH, 'pull', '-q', src], env);
    times['berth pull'].push(timed.ms);
    berthPullRss = Math.max(berthPullRss, Number(/RSS (\d+)/.exec(timed.stderr)?.[1] ?? 0) * 1024);
    await rm(skopeoCache, { force: true });
    times['skopeo pull'].push(sh('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${src}`, `oci:${join(work, `skopeo-${run}`)}:1`]).ms);
    times['docker pull'].push((await dockerTimed(['pull', '-q', src])));
    await dockerd.docker(['rmi', src]);
    // Pushes: a registry of their own each time, so no pusher can mount or skip a blob it
    // remembers (docker's v2 metadata and skopeo's blob-info cache are keyed by registry host).
    const push = await startRegistry({ auth: 'none' });
    const berthStore = join(work, `push-store-${run}`);
    const penv = { ...process.env, BERTH_ROOT: berthStore };
    sh(BERTH, ['load', '-q', '-i', archive], penv);
    sh(BERTH, ['tag', 'bench/img:1', `${push.host}/bench/berth-${run}:1`], penv);
    times['berth push'].push(sh(BERTH, ['push', '-q', `${push.host}/bench/berth-${run}:1`], penv).ms);
    await rm(skopeoCache, { force: true });
    times['skopeo push'].push(sh('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:1`, `docker://${push.host}/bench/skopeo-${run}:1`]).ms);
    await dockerd.docker(['load', '-q', '-i', dockerArchive]);
    await dockerd.docker(['tag', 'bench/img:1', `${push.host}/bench/docker-${run}:1`]);
    times['docker push'].push(await dockerTimed(['push', `${push.host}/bench/docker-${run}:1`]));
    await dockerd.docker(['rmi', 'bench/img:1', `${push.host}/bench/docker-${run}:1`]);
    await push.stop();
    await rm(store, { recursive: true, force: true });
    await rm(berthStore, { recursive: true, force: true });
    await rm(join(work, `skopeo-${run}`), { recursive: true, force: true });
  }

  async function dockerTimed(args) {
    quiesce();
    const t = process.hrtime.bigint();
    const r = await dockerd.docker(args, { timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  }

  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const row = (k) => `${k.padEnd(12)} ${(m[k] / 1000).toFixed(2).padStart(7)} s   ${(facts.bytes / 1e6 / (m[k] / 1000)).toFixed(0).padStart(5)} MB/s`;
  for (const k of Object.keys(m)) console.log(row(k));
  console.log(`pull: berth/skopeo ${(m['berth pull'] / m['skopeo pull']).toFixed(2)}, berth/docker ${(m['berth pull'] / m['docker pull']).toFixed(2)}`);
  console.log(`push: berth/skopeo ${(m['berth push'] / m['skopeo push']).toFixed(2)}, berth/docker ${(m['berth push'] / m['docker push']).toFixed(2)}`);
  console.log(`berth pull peak RSS: ${(berthPullRss / 1e6).toFixed(0)} MB`);
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(join(import.meta.dirname, 'results', 'registry-transfer.json'), JSON.stringify({ runs: RUNS, image: facts, mediansMs: m, samplesMs: times, berthPullPeakRssBytes: berthPullRss }, null, 2) + '\n');
} finally {
  await dockerd.stop();
  await reg.stop();
  await rm(work, { recursive: true, force: true });
}
