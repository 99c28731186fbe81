// `berth build` against `docker build` (dockerd's classic builder, DOCKER_BUILDKIT=0): every
// Dockerfile under test/fixtures/dockerfiles is built by both from the same context on the same
// busybox base, then the final filesystems (paths, types, modes, owners, link targets, contents)
// and the config fields are compared, and so are the `Step N/M : …` lines. A difference fails
// unless the fixture's build.json documents it under "differences" with the reason.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, cp, link, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar, run } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker, dockerOk } from './support/docker.js';
import { diffTrees, imageTree } from './support/image-tree.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/dockerfiles/', import.meta.url));
const BASE = 'berth-build/busybox:1';
interface FixtureOptions {
  buildArgs?: Record<string, string>;
  target?: string;
  labels?: Record<string, string>;
  chmod?: Record<string, string>;
  archives?: string[];
  http?: boolean;
  run?: boolean;
  /** Hard links to make in the context (link → existing file): git keeps none. */
  hardlinks?: Record<string, string>;
  /** Deliberate, documented differences: config fields or paths, each with why. */
  differences?: { config?: string[]; paths?: string[]; why: string };
}

const CONFIG_FIELDS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Volumes', 'Labels', 'StopSignal', 'Healthcheck', 'Shell', 'OnBuild'] as const;

function fixtures(): { name: string; opts: FixtureOptions }[] {
  return readdirSync(FIXTURES)
    .filter((n) => existsSync(join(FIXTURES, n, 'Dockerfile')))
    .sort()
    .map((name) => {
      const file = join(FIXTURES, name, 'build.json');
      return { name, opts: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FixtureOptions) : {} };
    });
}

/** null, [], {} and '' all mean "not set" in an inspect's Config. */
function norm(v: unknown): unknown {
  if (v === undefined || v === null || v === '') return null;
  if (Array.isArray(v)) return v.length === 0 ? null : v;
  if (typeof v === 'object') return Object.keys(v as object).length === 0 ? null : v;
  return v;
}

let work: string;
let store: Store;
let server: Server;
let url = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-parity-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  await dockerOk(['import', tar, BASE]);
  store = await newStore();
  await store.ok(['import', tar, BASE]);
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'last-modified': 'Tue, 01 Sep 2020 10:00:00 GMT' });
    res.end(`downloaded from ${req.url}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/files/payload.bin`;
});

afterAll(async () => {
  server?.close();
  await store?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A tar with owners, modes, a nested dir, a symlink and a hard link: ADD must extract it as is. */
async function makeArchive(dir: string, out: string): Promise<void> {
  // tar's own compressors, by the name's suffix: gzip, xz or bzip2 (ADD extracts all three).
  const create = out.endsWith('.gz') ? '-czf' : out.endsWith('.xz') ? '-cJf' : out.endsWith('.bz2') ? '-cjf' : '-cf';
  const src = await mkdtemp(join(tmpdir(), 'archive-src-'));
  await run('sh', ['-c', 'mkdir -p top/nested && echo one > top/one && echo two > top/nested/two && ln -s one top/link && ln top/one top/hard && chmod 640 top/one && chmod 750 top/nested'], { cwd: src });
  const r = await run('tar', [create, out, '--owner=1234', '--group=4321', '--numeric-owner', '--sort=name', '--mtime=2020-01-01', '-C', src, 'top']);
  await rm(src, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(r.stderr);
  void dir;
}

async function prepare(name: string, opts: FixtureOptions): Promise<string> {
  const ctx = join(work, name);
  await cp(join(FIXTURES, name), ctx, { recursive: true, verbatimSymlinks: true });
  await rm(join(ctx, 'build.json'), { force: true });
  for (const a of opts.archives ?? []) await makeArchive(ctx, join(ctx, a));
  // git keeps only the executable bit: the modes a fixture is about are set here.
  for (const [p, m] of Object.entries(opts.chmod ?? {})) await chmod(join(ctx, p), parseInt(m, 8));
  for (const [l, target] of Object.entries(opts.hardlinks ?? {})) await link(join(ctx, target), join(ctx, l));
  return ctx;
}

function flagsFor(opts: FixtureOptions): string[] {
  const args = { ...(opts.buildArgs ?? {}), ...(opts.http ? { URL: url } : {}) };
  return [
    ...Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    ...(opts.target ? ['--target', opts.target] : []),
    ...Object.entries(opts.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
  ];
}

const steps = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('Step ') || l.startsWith('# Executing'));

describe('berth build matches docker build (classic builder)', () => {
  const all = fixtures();
  it('has at least 25 Dockerfiles using every instruction, multi-stage builds and .dockerignore', () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
    const text = all.map((f) => readFileSync(join(FIXTURES, f.name, 'Dockerfile'), 'utf8')).join('\n');
    for (const ins of ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']) {
      expect(text, ins).toMatch(new RegExp(`^${ins} `, 'm'));
    }
    expect(text).toMatch(/--from=/);
    expect(all.some((f) => existsSync(join(FIXTURES, f.name, '.dockerignore')))).toBe(true);
  });

  for (const { name, opts } of all) {
    it(name, async () => {
      const ctx = await prepare(name, opts);
      const tag = `berth-build/${name}:1`;
      const flags = flagsFor(opts);
      const d = await docker(['build', '-t', tag, ...flags, ctx]);
      expect(d.code, d.stderr).toBe(0);
      const b = await store.berth(['build', '-t', tag, ...flags, ctx]);
      expect(b.code, b.stderr).toBe(0);
      expect(steps(b.stdout)).toEqual(steps(d.stdout));
      // What dockerd says before the first step (the parser's warnings, in red).
      const preamble = (out: string): string => out.slice(out.indexOf('\n') + 1, out.indexOf('Step 1/'));
      expect(preamble(b.stdout)).toBe(preamble(d.stdout));
      // The context tar docker's CLI sends and the size berth computes for the same directory.
      expect(b.stdout.split('\n')[0]).toBe(d.stdout.split('\n')[0]);
      expect(b.stdout).toContain(`Successfully tagged ${tag}\n`);

      const known = opts.differences;
      const dockerCfg = JSON.parse(await dockerOk(['image', 'inspect', '-f', '{{json .Config}}', tag])) as Record<string, unknown>;
      const berthCfg = JSON.parse(await store.ok(['image', 'inspect', '-f', '{{json .Config}}', tag])) as Record<string, unknown>;
      for (const field of CONFIG_FIELDS) {
        if (known?.config?.includes(field)) continue;
        expect(norm(berthCfg[field]), `Config.${field}`).toEqual(norm(dockerCfg[field]));
      }

      // History as `history` shows it; the source checksums (docker's tarsum vs berth's digest) are masked.
      const history = async (who: 'docker' | 'berth'): Promise<string[]> => {
        const args = ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', tag];
        const out = who === 'docker' ? await dockerOk(args) : await store.ok(args);
        return out.trim().split('\n').map((l) => l.replace(/((?:file|dir|multi):)?[a-f0-9]{64}/g, '$1<sum>'));
      };
      if (!known?.config?.includes('history')) expect(await history('berth')).toEqual(await history('docker'));

      const dArchive = join(work, `${name}-docker.tar`);
      const bArchive = join(work, `${name}-berth.tar`);
      await dockerOk(['save', '-o', dArchive, tag]);
      await store.ok(['save', '-o', bArchive, tag]);
      const diff = diffTrees(await imageTree(dArchive), await imageTree(bArchive), ['docker', 'berth']).filter(
        (line) => !(known?.paths ?? []).some((p) => line.startsWith(`${p}:`)),
      );
      expect(diff).toEqual([]);
    });
  }
});

describe('berth build cache', () => {
  it('hits every step of an unchanged build and invalidates from the COPY of a changed file on', async () => {
    const ctx = await prepare('01-copy-file', {});
    await store.ok(['build', '-t', 'cache/test:1', ctx]);
    const again = await store.ok(['build', '-t', 'cache/test:1', ctx]);
    expect(again.match(/ ---> Using cache/g)?.length).toBe(7);
    await writeFile(join(ctx, 'a.txt'), 'changed\n');
    const changed = await store.ok(['build', '-t', 'cache/test:1', ctx]);
    expect(changed.match(/ ---> Using cache/g)).toBeNull();
    const noCache = await store.ok(['build', '--no-cache', '-t', 'cache/test:2', ctx]);
    expect(noCache).not.toContain('Using cache');
  });

  it('a touched file (mtime only) keeps the cache; a mode change and a build-arg change invalidate from their step on', async () => {
    const ctx = join(work, 'cache-keys');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${BASE}\nCOPY f.txt /f.txt\nARG V=1\nRUN echo $V > /v\nLABEL done=1\n`);
    await writeFile(join(ctx, 'f.txt'), 'f\n');
    const build = (args: string[] = []): Promise<string> => store.ok(['build', ...args, ctx]);
    const cachedSteps = (out: string): number[] =>
      out.split('\n').flatMap((l, i, all) => (l === ' ---> Using cache' ? [Number(/^Step (\d+)/.exec(all[i - 1]!)?.[1])] : []));
    await build();
    await utimes(join(ctx, 'f.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    expect(cachedSteps(await build())).toEqual([2, 3, 4, 5]);
    // Same size, same mtime, new bytes: the remembered digest must not be trusted (the ctime moved).
    await writeFile(join(ctx, 'f.txt'), 'g\n');
    await utimes(join(ctx, 'f.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    expect(cachedSteps(await build())).toEqual([]);
    await chmod(join(ctx, 'f.txt'), 0o600);
    expect(cachedSteps(await build())).toEqual([]);
    expect(cachedSteps(await build(['--build-arg', 'V=2']))).toEqual([2, 3]);
    expect(cachedSteps(await build(['--build-arg', 'V=2']))).toEqual([2, 3, 4, 5]);
  });

  it.each(['11-multistage', '26-seed-example'])('gives the same image ID twice with SOURCE_DATE_EPOCH on two stores (%s)', async (fixture) => {
    const ctx = await prepare(fixture, {});
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const one = (await store.ok(['build', '-q', '--no-cache', ctx], { env })).trim();
    const other = await newStore();
    try {
      // The same base image (an import would get a new created time, so a new ID): saved and loaded.
      const base = join(work, 'base.tar');
      await store.ok(['save', '-o', base, BASE]);
      await other.ok(['load', '-i', base]);
      const two = (await other.ok(['build', '-q', '--no-cache', ctx], { env })).trim();
      expect(two).toBe(one);
      expect(one).toMatch(/^sha256:[a-f0-9]{64}$/);
    } finally {
      await other.cleanup();
    }
  });
});
