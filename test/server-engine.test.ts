// berthd's Docker Engine API face driven by the real docker CLI (DOCKER_HOST=tcp://berthd): images,
// pull from a docker-registry started here, tag, inspect, history, rmi, prune, save, load, push,
// search, import, version and info; each compared with what `berth` prints on the same root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { busyboxRootfs, requirePeer, rootfsTar, run, startRegistry, type RegistryPeer, type RunOptions, type RunResult } from '@berth/testkit';
import { humanSize } from '@berth/core';
import { newStore, type Store } from './support/berth.js';
import { BERTHD_BIN, startBerthd, type Berthd } from './support/berthd.js';

let work: string;
let rootfsTarPath: string;
let registry: RegistryPeer;
let source: Store;
let served: Store;
let berthd: Berthd;
let dockerConfig: string;
let image: string;
let sourceId: string;

/** The docker CLI talking to berthd's Engine face (`host`: a DOCKER_HOST). */
function dk(args: string[], options: RunOptions & { host?: string } = {}): Promise<RunResult> {
  const env = { ...process.env, ...(options.env ?? {}), DOCKER_HOST: options.host ?? `tcp://${berthd.host}`, DOCKER_CONFIG: dockerConfig };
  return run('docker', args, { ...options, env });
}

async function dkOk(args: string[], options: RunOptions & { host?: string } = {}): Promise<string> {
  const r = await dk(args, options);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const IMAGES_FORMAT = '{{.ID}} {{.Repository}} {{.Tag}} {{.Digest}} {{.Size}}';

/**
 * `docker images` through berthd and `berth images` on its root print the same rows. Within one
 * image docker's rows follow Go's random map order (berth sorts them), so rows are compared sorted.
 */
async function expectSameImages(extra: string[] = []): Promise<string> {
  const sorted = (s: string): string[] => s.split('\n').filter(Boolean).sort();
  const viaDocker = await dkOk(['images', '--format', IMAGES_FORMAT, ...extra]);
  expect(sorted(viaDocker)).toEqual(sorted(await served.ok(['images', '--format', IMAGES_FORMAT, ...extra])));
  return viaDocker;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'server-engine-'));
  dockerConfig = join(work, 'docker-config');
  rootfsTarPath = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  registry = await startRegistry();
  source = await newStore('engine-src-');
  image = `${registry.host}/team/app:1`;
  sourceId = (await source.ok(['import', '-c', 'CMD ["cat", "/hello.txt"]', '-m', 'from the suite', rootfsTarPath, image])).trim();
  await source.ok(['push', image]);
  served = await newStore('engine-root-');
  berthd = await startBerthd(served.root);
}, 120_000);

afterAll(async () => {
  await berthd?.stop();
  await registry?.stop();
  await Promise.all([source?.cleanup(), served?.cleanup()]);
  await rm(work, { recursive: true, force: true });
});

describe('the docker CLI against berthd', () => {
  it('docker version and docker info', async () => {
    const version = await dkOk(['version']);
    expect(version).toMatch(/Server: berthd\n Engine:\n  Version:\s+0\.1\.0\n  API version:\s+1\.56 \(minimum version 1\.40\)/);
    const info = await dkOk(['info', '--format', '{{.Images}} {{.DockerRootDir}} {{.OSType}} {{.Driver}}']);
    expect(info.trim()).toBe(`0 ${served.root} linux berth`);
    // dockerd's answer to a client below the minimum, a 400 the CLI prints.
    const old = await dk(['version'], { env: { DOCKER_API_VERSION: '1.30' } });
    expect(old.stderr).toContain('Error response from daemon: client version 1.30 is too old. Minimum supported API version is 1.40, please upgrade your client to a newer version');
  });

  it('pulls from docker-registry with docker\'s lines, and berth shows the same image', async () => {
    const out = await dkOk(['pull', image]);
    const layer = (await source.ok(['image', 'inspect', '-f', '{{index .RootFS.Layers 0}}', image])).trim();
    expect(out).toMatch(/^1: Pulling from team\/app\n/);
    expect(out).toMatch(/: Pull complete\n/);
    expect(out).toMatch(/\nDigest: sha256:[0-9a-f]{64}\nStatus: Downloaded newer image for /);
    expect(out.trim().split('\n').pop()).toBe(image);
    expect((await served.ok(['images', '-q', '--no-trunc'])).trim()).toBe(sourceId);
    expect((await served.ok(['image', 'inspect', '-f', '{{index .RootFS.Layers 0}}', image])).trim()).toBe(layer);
    const rows = await expectSameImages();
    expect(rows).toContain(`${sourceId.slice(7, 19)} ${registry.host}/team/app 1 `);
    await expectSameImages(['--no-trunc', '--digests']);
    // Pulled again: up to date, as dockerd says.
    expect(await dkOk(['pull', image])).toContain(`Status: Image is up to date for ${image}`);
  });

  it('docker system df counts the store\'s images and their layers', async () => {
    // docker's df prints units.HumanSize (4 digits), not images' 3.
    const size = humanSize(Number(await served.ok(['image', 'inspect', '-f', '{{.Size}}', image])));
    const df = await dkOk(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Size}} {{.Reclaimable}}']);
    expect(df.split('\n')[0]).toBe(`Images 1 ${size} ${size} (100%)`);
  });

  it('tag, image inspect and history print what berth prints', async () => {
    await dkOk(['tag', image, 'local/app:v2']);
    await expectSameImages();
    const inspectFormat = '{{.Id}} {{json .RepoTags}} {{json .RepoDigests}} {{.Size}} {{.Comment}} {{json .Config.Cmd}} {{.Os}}/{{.Architecture}}';
    const viaDocker = await dkOk(['image', 'inspect', '-f', inspectFormat, 'local/app:v2']);
    expect(viaDocker).toBe(await served.ok(['image', 'inspect', '-f', inspectFormat, 'local/app:v2']));
    expect(viaDocker).toContain(' from the suite ["cat","/hello.txt"] ');
    const historyFormat = '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}';
    const history = await dkOk(['history', '--format', historyFormat, 'local/app:v2']);
    expect(history).toBe(await served.ok(['history', '--format', historyFormat, 'local/app:v2']));
    expect(history).toContain('from the suite');
    expect(await dkOk(['history', '-q', '--no-trunc', 'local/app:v2'])).toBe(`${sourceId}\n`);
  });

  it('refuses what dockerd refuses, with its status and words', async () => {
    const missing = await dk(['image', 'inspect', 'nope:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such image: nope:1');
    // Two repositories name it: removing by ID needs force (409 conflict).
    const conflict = await dk(['rmi', sourceId.slice(7, 19)]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/Error response from daemon: conflict: unable to delete \w{12} \(must be forced\) - image is referenced in multiple repositories/);
    const bad = await dk(['pull', `${registry.host}/team/none:1`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`manifest for ${registry.host}/team/none:1 not found`);
  });

  it('save streams a docker archive that berth and docker load back', async () => {
    const viaDocker = join(work, 'via-docker.tar');
    const sentBytes = async (): Promise<number> => Number(/^berthd_http_response_bytes_total (\d+)$/m.exec(await (await fetch(`${berthd.url}/metrics`)).text())?.[1]);
    const before = await sentBytes();
    await dkOk(['save', '-o', viaDocker, image, 'local/app:v2']);
    // The archive is streamed without a Content-Length; /metrics counts its bytes all the same.
    expect((await sentBytes()) - before).toBeGreaterThanOrEqual((await stat(viaDocker)).size);
    const viaBerth = join(work, 'via-berth.tar');
    await served.ok(['save', '-o', viaBerth, image, 'local/app:v2']);
    // The same entries with the same bytes (tar headers carry the time of writing).
    const [a, b] = [join(work, 'x-docker'), join(work, 'x-berth')];
    for (const [tar, dir] of [[viaDocker, a], [viaBerth, b]] as const) {
      await run('mkdir', ['-p', dir]);
      expect((await run('tar', ['-xf', tar, '-C', dir])).code).toBe(0);
    }
    const diff = await run('diff', ['-r', a, b]);
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
    const other = await newStore('engine-load-');
    try {
      expect(await other.ok(['load', '-i', viaDocker])).toContain(`Loaded image: ${image}`);
      expect(new Set((await other.ok(['images', '-q', '--no-trunc'])).trim().split('\n'))).toEqual(new Set([sourceId]));
    } finally {
      await other.cleanup();
    }
    const missing = await dk(['save', '-o', join(work, 'none.tar'), 'nope:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such image: nope:1');
  });

  it('rmi, then load puts the images back', async () => {
    const removed = await dkOk(['rmi', 'local/app:v2']);
    expect(removed).toBe('Untagged: local/app:v2\n');
    await expectSameImages();
    const out = await dkOk(['load', '-i', join(work, 'via-docker.tar')]);
    expect(out).toContain('Loaded image: local/app:v2');
    await expectSameImages();
    // docker load through a pipe (body streamed), quiet: only the loaded lines.
    const piped = await dkOk(['load', '-q'], { input: await readFile(join(work, 'via-docker.tar')) });
    expect(piped).toBe(`Loaded image: ${image}\nLoaded image: local/app:v2\n`);
    // An xz archive, as docker load sends it (the body as the file is); a cut one is refused, keeping nothing.
    const xz = execFileSync('xz', ['-c', '-q', join(work, 'via-docker.tar')]);
    await dkOk(['rmi', 'local/app:v2']);
    expect(await dkOk(['load', '-q'], { input: xz })).toBe(`Loaded image: ${image}\nLoaded image: local/app:v2\n`);
    await expectSameImages();
    const cut = await dk(['load'], { input: xz.subarray(0, xz.length >> 1) });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/^Error response from daemon: archive: corrupt or truncated xz stream \(xz: .+\)\n$/);
    await expectSameImages();
  });

  it('import (a body with --change and -m) and image prune', async () => {
    const id = (await dkOk(['import', '-c', 'ENV A=b', '-m', 'via engine', rootfsTarPath])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await served.ok(['image', 'inspect', '-f', '{{json .Config.Env}} {{.Comment}}', id])).trim()).toBe('["A=b"] via engine');
    await expectSameImages(['-a']);
    const pruned = await dkOk(['image', 'prune', '-f']);
    expect(pruned).toContain(`deleted: ${id}`);
    expect(pruned).toMatch(/Total reclaimed space: /);
    expect(await served.ok(['images', '-a', '-q', '--no-trunc'])).not.toContain(id);
    await expectSameImages(['-a']);
  });

  it('push to docker-registry through berthd, then pull it back elsewhere', async () => {
    const target = `${registry.host}/team/pushed:7`;
    await dkOk(['tag', image, target]);
    const out = await dkOk(['push', target]);
    expect(out).toContain(`The push refers to repository [${registry.host}/team/pushed]`);
    expect(out).toMatch(/7: digest: sha256:[0-9a-f]{64} size: \d+\n/);
    const other = await newStore('engine-pull-');
    try {
      await other.ok(['pull', target]);
      expect((await other.ok(['images', '-q', '--no-trunc'])).trim()).toBe(sourceId);
    } finally {
      await other.cleanup();
    }
    // The image now knows its digest there, as after a docker push.
    await expectSameImages(['--digests']);
  });

  it('search answers as berth search does', async () => {
    const viaDocker = await dkOk(['search', `${registry.host}/team`]);
    expect(viaDocker).toContain('team/app');
    expect(viaDocker).toBe(await served.ok(['search', `${registry.host}/team`]));
    expect(await dkOk(['search', '--format', '{{.Name}}', `${registry.host}/pushed`])).toBe('team/pushed\n');
  });

  it('docker login checks the password at the registry through /auth, and pull uses the credentials it sends', async () => {
    const secured = await startRegistry({ auth: 'htpasswd' });
    try {
      const wrong = await dk(['login', '-u', 'tester', '--password-stdin', secured.host], { input: 'wrong-pw\n' });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('Error response from daemon:');
      const right = await dk(['login', '-u', 'tester', '--password-stdin', secured.host], { input: `${secured.users.tester}\n` });
      expect(right.stdout).toContain('Login Succeeded');
      const target = `${secured.host}/team/secret:1`;
      await dkOk(['tag', image, target]);
      expect(await dkOk(['push', target])).toMatch(/1: digest: sha256:/);
      await dkOk(['logout', secured.host]);
      // Without credentials the registry refuses, and dockerd's words come back.
      const refused = await dk(['pull', target]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('pull access denied for');
      await dkOk(['rmi', target]);
    } finally {
      await secured.stop();
    }
  });

  it('image prune -a removes what no container uses', async () => {
    await dkOk(['image', 'prune', '-a', '-f']);
    expect(await served.ok(['images', '-a', '-q'])).toBe('');
    expect(await dkOk(['images', '-q'])).toBe('');
  });
});

describe('where the Engine face listens', () => {
  it('--engine-listen unix:///PATH serves it on the socket and not on the registry port', async () => {
    const sock = join(work, 'berthd.sock');
    const other = await startBerthd(served.root, '127.0.0.1:0', ['--engine-listen', `unix://${sock}`]);
    try {
      // The socket opens just after the main listener.
      for (let i = 0; i < 100 && !other.log().includes('Docker Engine API listening'); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await stat(sock)).isSocket()).toBe(true);
      expect(await dkOk(['info', '--format', '{{.DockerRootDir}}'], { host: `unix://${sock}` })).toBe(`${served.root}\n`);
      const onMain = await fetch(`${other.url}/_ping`);
      expect(onMain.status).toBe(404);
      expect((await fetch(`${other.url}/v2/`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('refuses a non-loopback --engine-listen without TLS client certificates or auth', async () => {
    const r = await run(process.execPath, [BERTHD_BIN, '--root', served.root, '--listen', '127.0.0.1:0', '--engine-listen', 'tcp://0.0.0.0:0'], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('berthd: refusing to serve the Docker Engine API on 0.0.0.0:0: it is not a loopback address or unix socket, and neither TLS client certificates (--tls-ca with --tls-cert/--tls-key) nor auth (config "auth") are configured\n');
  });

  it('with auth configured, a public address serves the Engine API to authenticated clients only', async () => {
    const htpasswd = await run('htpasswd', ['-Bbn', 'eng', 'eng-pw']);
    expect(htpasswd.code).toBe(0);
    await writeFile(join(work, 'htpasswd'), htpasswd.stdout);
    await writeFile(join(work, 'auth.json'), JSON.stringify({ auth: { htpasswd: 'htpasswd', anonymous: 'read-only' } }));
    const child = spawn(process.execPath, [BERTHD_BIN, '--root', served.root, '--listen', '0.0.0.0:0', '--config', join(work, 'auth.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /Server listening at http:\/\/[^:]+:(\d+)/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/_ping`)).status).toBe(200);
      const anonymous = await fetch(`${url}/v1.51/images/json`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toEqual({ message: 'authentication required' });
      const wrong = await fetch(`${url}/v1.51/images/json`, { headers: { authorization: `Basic ${Buffer.from('eng:nope').toString('base64')}` } });
      expect(wrong.status).toBe(401);
      const ok = await fetch(`${url}/v1.51/images/json`, { headers: { authorization: `Basic ${Buffer.from('eng:eng-pw').toString('base64')}` } });
      expect(ok.status).toBe(200);
      expect(Array.isArray(await ok.json())).toBe(true);
      expect(out).not.toContain('Docker Engine API is not served');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('with TLS client certificates, a non-loopback --engine-listen serves docker --tlsverify, and nobody without a certificate', async () => {
    const openssl = requirePeer('openssl');
    const dir = join(work, 'tls');
    await mkdir(dir);
    const p = (f: string): string => join(dir, f);
    const ssl = async (args: string[]): Promise<void> => {
      const r = await run(openssl, args);
      if (r.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    };
    await ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=engine test CA']);
    await ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
    await writeFile(p('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    await ssl(['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('san.ext')]);
    await ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('key.pem'), '-out', p('client.csr'), '-subj', '/CN=engine client']);
    await writeFile(p('client.ext'), 'extendedKeyUsage=clientAuth\n');
    await ssl(['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('cert.pem'), '-days', '2', '-extfile', p('client.ext')]);
    const other = await startBerthd(served.root, '127.0.0.1:0', ['--tls-cert', p('server.crt'), '--tls-key', p('server.key'), '--tls-ca', p('ca.pem'), '--engine-listen', 'tcp://0.0.0.0:0']);
    try {
      let m: RegExpExecArray | null = null;
      for (let i = 0; i < 100 && !(m = /"engine":"https:\/\/0\.0\.0\.0:(\d+)"/.exec(other.log())); i++) await new Promise((r) => setTimeout(r, 100));
      expect(m).not.toBeNull();
      const host = `tcp://127.0.0.1:${m![1]}`;
      const withCert = await dk(['info', '--format', '{{.DockerRootDir}}'], { host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
      expect(withCert.stdout).toBe(`${served.root}\n`);
      // The CA alone (no client certificate): the handshake is refused.
      const caOnly = join(work, 'tls-ca-only');
      await mkdir(caOnly);
      await writeFile(join(caOnly, 'ca.pem'), await readFile(p('ca.pem')));
      const without = await dk(['info', '--format', '{{.DockerRootDir}}'], { host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: caOnly } });
      expect(without.code).not.toBe(0);
      expect(without.stdout).not.toContain(served.root);
    } finally {
      await other.stop();
    }
  });

  it('a registry on a public address serves no Engine API there, and says so', async () => {
    const child = spawn(process.execPath, [BERTHD_BIN, '--root', served.root, '--listen', '0.0.0.0:0', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no start: ${out}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /Server listening at http:\/\/[^:]+:(\d+)/.exec(out);
          if (m && out.includes('Docker Engine API is not served')) {
            clearTimeout(t);
            resolve(m[1]!);
          }
        });
      });
      expect((await fetch(`http://127.0.0.1:${port}/_ping`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/v2/`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
