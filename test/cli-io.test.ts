// Where images come from and go to: stdin, stdout, URLs, files, and archives other tools wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, requirePeer, rootfsTar, run, skopeo } from '@berth/testkit';
import { BERTH_BIN, newStore, type Store } from './support/berth.js';

let work: string;
let store: Store;
let tarPath: string;
let gzPath: string;
let server: Server;
let base: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-io-'));
  const rootfs = await busyboxRootfs(join(work, 'rootfs'));
  tarPath = await rootfsTar(rootfs, join(work, 'rootfs.tar'));
  gzPath = await rootfsTar(rootfs, join(work, 'rootfs.tar.gz'), { gzip: true });
  store = await newStore();
  server = createServer((req, res) => {
    if (req.url === '/rootfs.tar.gz') createReadStream(gzPath).pipe(res);
    else {
      res.statusCode = 404;
      res.end('not here');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('import', () => {
  it('reads stdin, a gzip file and a URL to the same layer', async () => {
    const fromStdin = (await store.ok(['import', '-', 'io/stdin:1'], { input: createReadStream(tarPath) })).trim();
    const fromGz = (await store.ok(['import', gzPath, 'io/gz:1'])).trim();
    const fromUrl = (await store.ok(['import', `${base}/rootfs.tar.gz`, 'io/url:1'])).trim();
    const layers = async (ref: string) => store.ok(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref]);
    expect(await layers('io/gz:1')).toBe(await layers('io/stdin:1'));
    expect(await layers('io/url:1')).toBe(await layers('io/stdin:1'));
    expect(new Set([fromStdin, fromGz, fromUrl]).size).toBe(3); // different Created, so different IDs
    expect(await store.ok(['history', '--format', '{{.Comment}}', 'io/url:1'])).toBe(`Imported from ${base}/rootfs.tar.gz\n`);
    expect(await store.ok(['history', '--format', '{{.Comment}}', 'io/stdin:1'])).toBe('Imported from -\n');
  });

  it('applies --change and --message', async () => {
    await store.ok(['import', '-c', 'ENV A=1', '-c', 'CMD ["/bin/sh"]', '-c', 'EXPOSE 8080', '-m', 'hello', tarPath, 'io/changed:1']);
    const cfg = JSON.parse(await store.ok(['image', 'inspect', '-f', '{{json .Config}}', 'io/changed:1'])) as { Env: string[]; Cmd: string[]; ExposedPorts: object };
    expect(cfg.Env).toEqual(['A=1']);
    expect(cfg.Cmd).toEqual(['/bin/sh']);
    expect(cfg.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(await store.ok(['image', 'inspect', '-f', '{{.Comment}}', 'io/changed:1'])).toBe('hello\n');
  });

  it('says so when the URL answers 404, and keeps nothing', async () => {
    const r = await store.berth(['import', `${base}/missing.tar`, 'io/missing:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/404/);
    expect((await store.berth(['image', 'inspect', 'io/missing:1'])).code).toBe(1);
  });
});

describe('save and load through pipes', () => {
  it('saves to stdout and loads from stdin', async () => {
    const archive = join(work, 'piped.tar');
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(archive);
    const r = await run(process.execPath, [BERTH_BIN, 'save', 'io/gz:1'], { env: { ...process.env, BERTH_ROOT: store.root }, stdout: out });
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(archive)).size).toBeGreaterThan(1_000_000);
    const other = await newStore();
    try {
      const loaded = await other.ok(['load'], { input: createReadStream(archive) });
      expect(loaded).toBe('Loaded image: io/gz:1\n');
      expect(await other.ok(['images', '-q', '--no-trunc', 'io/gz:1'])).toBe(await store.ok(['images', '-q', '--no-trunc', 'io/gz:1']));
    } finally {
      await other.cleanup();
    }
  });

  it('loads a gzip-compressed archive, quietly with -q', async () => {
    const archive = join(work, 'q.tar');
    await store.ok(['save', '-o', archive, 'io/stdin:1']);
    const { execFileSync } = await import('node:child_process');
    execFileSync('gzip', ['-k', archive]);
    const other = await newStore();
    try {
      expect(await other.ok(['load', '-q', '-i', `${archive}.gz`])).toBe('Loaded image: io/stdin:1\n');
    } finally {
      await other.cleanup();
    }
  });

  it('loads an OCI archive skopeo wrote, and an image saved by ID stays untagged', async () => {
    const oci = join(work, 'skopeo-oci.tar');
    const r = await skopeo(['copy', `oci:${store.root}:docker.io/io/gz:1`, `oci-archive:${oci}:docker.io/io/from-skopeo:2`]);
    expect(r.code, r.stderr).toBe(0);
    const other = await newStore();
    try {
      const out = await other.ok(['load', '-i', oci]);
      expect(out).toBe('Loaded image: io/from-skopeo:2\n');
      const id = (await store.ok(['images', '-q', '--no-trunc', 'io/gz:1'])).trim();
      expect(await other.ok(['images', '-q', '--no-trunc', 'io/from-skopeo:2'])).toBe(`${id}\n`);
      const byId = join(work, 'by-id.tar');
      await store.ok(['save', '-o', byId, id.slice(7, 19)]);
      const manifest = JSON.parse((await import('node:child_process')).execFileSync('tar', ['-xOf', byId, 'manifest.json'], { encoding: 'utf8' })) as { RepoTags: string[] | null }[];
      expect(manifest[0]!.RepoTags ?? []).toEqual([]);
    } finally {
      await other.cleanup();
    }
  });

  it('stops without a word when the reader of stdout goes away, as docker does (SIGPIPE)', async () => {
    // `berth save io/gz:1 | head -c 100`, with the exit status the shell would see.
    const bash = await run('bash', ['-c', `${process.execPath} ${BERTH_BIN} save io/gz:1 2>${join(work, 'epipe.err')} | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`], { env: { ...process.env, BERTH_ROOT: store.root } });
    expect(bash.stdout.trim()).toBe('141');
    expect(await readFile(join(work, 'epipe.err'), 'utf8')).toBe('');
  });

  it('checks save -o and export -o targets, and load -i sources, as docker 28 does, in its words', async () => {
    const docker = requirePeer('docker');
    for (const source of ['no-such.tar']) {
      const theirs = await run(docker, ['load', '-i', source], { cwd: work, env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' } });
      const ours = await run(process.execPath, [BERTH_BIN, 'load', '-i', source], { cwd: work, env: { ...process.env, BERTH_ROOT: store.root } });
      expect(ours.code).toBe(1);
      expect(ours.stderr.replace(/^Error: /, ''), `load -i ${source}`).toBe(theirs.stderr);
    }
    const targets = ['/dev/null', '/etc/passwd/x.tar', 'no-such-dir/x.tar', `${work}/`, work];
    for (const [command, what] of [['save', 'io/gz:1'], ['export', 'no-such-container']] as const) {
      for (const target of targets) {
        // docker checks the target before it asks the daemon anything: no daemon needed.
        const theirs = await run(docker, [command, '-o', target, what], { cwd: work, env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' } });
        const ours = await run(process.execPath, [BERTH_BIN, command, '-o', target, what], { cwd: work, env: { ...process.env, BERTH_ROOT: store.root } });
        expect(theirs.code, `docker ${command} -o ${target}`).toBe(1);
        expect(ours.code, `berth ${command} -o ${target}`).toBe(1);
        expect(ours.stderr.replace(/^Error: /, ''), `${command} -o ${target}`).toBe(theirs.stderr);
      }
    }
  });

  it('refuses to write an archive to a terminal', async () => {
    // `script` gives the child a terminal on stdout, as a user typing `berth save x` would.
    const r = await run('script', ['-qec', `${process.execPath} ${BERTH_BIN} save io/gz:1`, '/dev/null'], { env: { ...process.env, BERTH_ROOT: store.root } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/cowardly refusing to save to a terminal/);
  });
});

describe('a wrong number of arguments', () => {
  it("is docker's message, usage line and exit status 1", async () => {
    const docker = requirePeer('docker');
    const cases = [['rmi'], ['tag', 'only-one'], ['tag', 'a', 'b', 'c'], ['save'], ['history'], ['import'], ['image', 'inspect'], ['images', 'a', 'b'], ['pull']];
    // As a user runs it: vitest's NODE_ENV=test makes oclif add a development warning.
    const { NODE_ENV: _test, ...userEnv } = process.env;
    for (const args of cases) {
      // Counted before anything else happens: no daemon needed.
      const theirs = await run(docker, args, { env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' } });
      const ours = await run(process.execPath, [BERTH_BIN, ...args], { env: { ...userEnv, BERTH_ROOT: store.root } });
      expect(theirs.code, `docker ${args.join(' ')}`).toBe(1);
      expect(ours.code, `berth ${args.join(' ')}`).toBe(1);
      // docker 28 prints "SRun" for "at most" (a stray S in its format string): not copied.
      expect(ours.stderr, args.join(' ')).toBe(theirs.stderr.replaceAll('docker', 'berth').replace('\nSRun ', '\nRun '));
    }
  });
});

describe('--json and system df', () => {
  it('prints Engine API summaries; system df counts each shared layer once, as docker does', async () => {
    const list = JSON.parse(await store.ok(['images', '--json'])) as { Id: string; RepoTags: string[]; Size: number }[];
    expect(list.length).toBeGreaterThanOrEqual(4);
    expect(list[0]).toHaveProperty('Size');
    const rows = (await store.ok(['system', 'df', '--format', '{{json .}}'])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(rows.map((r) => r['Type'])).toEqual(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    const images = rows[0]!;
    expect(Number(images['TotalCount'])).toBe(list.length);
    // Four images share one layer: their sizes add up to several times what df counts.
    const bytes = (s: string): number => Number.parseFloat(s) * (s.endsWith('MB') ? 1e6 : s.endsWith('kB') ? 1e3 : 1);
    const sum = list.reduce((n, i) => n + i.Size, 0);
    expect(sum).toBeGreaterThan(3 * bytes(images['Size']!));
    expect(images['Reclaimable']).toBe(`${images['Size']} (100%)`);
  });
});
