// berthd's registry auth and TLS against real clients: the token flow as docker, skopeo and berth
// drive it (login, push, pull), refusals with the spec's codes and challenges, per-repository
// grants (a token for A reaches none of B's blobs), and HTTPS with a self-signed certificate and
// with client certificates, checked by skopeo and node's TLS client.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges } from '@berth/registry-distribution';
import { busyboxRootfs, requirePeer, rootfsTar, run, skopeo, startPodman, type RunOptions } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';

let work: string;
let rootfsTarPath: string;
let source: Store;
let served: Store;
let berthd: Berthd;
let dockerConfig: string;

const USERS = { alice: 'alice-pw', bob: 'bob-pw' };
const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

async function ok(cmd: string, args: string[], options: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function writeHtpasswd(file: string): Promise<void> {
  const htpasswd = requirePeer('htpasswd');
  let lines = '';
  for (const [user, pw] of Object.entries(USERS)) lines += (await ok(htpasswd, ['-Bbn', user, pw])).trim() + '\n';
  await writeFile(file, lines);
}

const docker = (args: string[], options: RunOptions = {}) =>
  run('docker', args, { ...options, env: { ...process.env, DOCKER_HOST: inject('dockerHost'), DOCKER_CONFIG: dockerConfig } });

async function token(user: string, ...scopes: string[]): Promise<string> {
  const q = new URLSearchParams([['service', 'berthd'], ...scopes.map((s) => ['scope', s] as [string, string])]);
  const res = await fetch(`${berthd.url}/token?${q}`, { headers: { authorization: basic(user, USERS[user as keyof typeof USERS]) } });
  expect(res.status).toBe(200);
  return `Bearer ${((await res.json()) as { token: string }).token}`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'server-auth-'));
  rootfsTarPath = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  source = await newStore('berthd-auth-src-');
  await source.ok(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, 'src/img:1']);
  served = await newStore('berthd-auth-root-');
  await writeHtpasswd(join(work, 'htpasswd'));
  await writeFile(join(work, 'berthd.json'), JSON.stringify({
    auth: {
      anonymous: 'read-only',
      htpasswd: 'htpasswd',
      token: { service: 'berthd' },
      grants: [
        { user: 'alice', repository: 'team/*', actions: ['pull', 'push'] },
        { user: 'bob', repository: 'secret/*', actions: ['pull', 'push', 'delete'] },
      ],
    },
  }));
  berthd = await startBerthd(served.root, '127.0.0.1:0', ['--config', join(work, 'berthd.json')]);
  dockerConfig = join(work, 'docker-config');
  await mkdir(dockerConfig);
});

afterAll(async () => {
  await berthd?.stop();
  await Promise.all([source?.cleanup(), served?.cleanup()]);
  await rm(work, { recursive: true, force: true });
});

describe('berthd token auth', () => {
  it('refuses an anonymous push with 401 UNAUTHORIZED and a Bearer challenge for the scope', async () => {
    const res = await fetch(`${berthd.url}/v2/team/app/blobs/uploads/`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('UNAUTHORIZED');
    expect(parseChallenges(res.headers.get('www-authenticate') ?? '')).toEqual([
      { scheme: 'bearer', params: { realm: `${berthd.url}/token`, service: 'berthd', scope: 'repository:team/app:pull,push' } },
    ]);
    // And through a real client: skopeo without credentials cannot push.
    const r = await skopeo(['copy', '--dest-tls-verify=false', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/team/app:anon`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|authentication required/i);
  });

  it('refuses a wrong password at the token service, for skopeo and docker login', async () => {
    const r = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/team/app:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/401|unauthorized/i);
    const login = await docker(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'wrong\n' });
    expect(login.code).not.toBe(0);
    expect(login.stderr).toMatch(/unauthorized|incorrect username or password/i);
    // Nothing secret reaches the log.
    expect(berthd.log()).not.toMatch(/wrong|alice-pw/);
  });

  it('skopeo --creds pushes where the grant allows and pulls back; is denied elsewhere', async () => {
    await ok(requirePeer('skopeo'), ['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:alice-pw', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/team/app:1`]);
    const out = join(work, 'pulled');
    await ok(requirePeer('skopeo'), ['copy', '--src-tls-verify=false', '--src-creds', 'alice:alice-pw', `docker://${berthd.host}/team/app:1`, `oci:${out}:back`]);
    expect((await served.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim()).toBe('team/app:1');
    const denied = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:alice-pw', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/secret/app:1`]);
    expect(denied.code).not.toBe(0);
    // skopeo first HEADs the blob: a 403 without a body (HEAD), so it shows the status.
    expect(denied.stderr).toMatch(/403 \(Forbidden\)|denied/);
  });

  it("containerd's resolver (ctr) gets its token by POST /token grant_type=password and fetches", async () => {
    const containerd = requirePeer('containerd');
    const ctr = requirePeer('ctr');
    const dir = join(work, 'containerd');
    const address = join(dir, 'containerd.sock');
    // The suite's berthd lets anonymous pull; this one (same store) wants credentials for everything.
    await writeFile(join(work, 'closed.json'), JSON.stringify({ auth: { anonymous: 'off', htpasswd: 'htpasswd', token: {}, grants: [{ user: 'alice', repository: 'team/*', actions: ['pull'] }] } }));
    const closed = await startBerthd(served.root, '127.0.0.1:0', ['--config', join(work, 'closed.json')]);
    const child = spawn(containerd, ['--address', address, '--root', join(dir, 'root'), '--state', join(dir, 'state')], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await stat(address).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 100));
      const ref = `${closed.host}/team/app:1`;
      const anon = await run(ctr, ['--address', address, 'content', 'fetch', '--plain-http', ref]);
      expect(anon.code).not.toBe(0);
      const wrong = await run(ctr, ['--address', address, 'content', 'fetch', '--plain-http', '--user', 'alice:wrong', ref]);
      expect(wrong.code).not.toBe(0);
      await ok(ctr, ['--address', address, 'content', 'fetch', '--plain-http', '--user', 'alice:alice-pw', ref]);
      expect(closed.log()).toMatch(/"grant":"password"/);
      expect(closed.log()).not.toMatch(/alice-pw|wrong/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await closed.stop();
    }
  });

  it("a token for repository A cannot read or mount repository B's blobs", async () => {
    await ok(requirePeer('skopeo'), ['copy', '--dest-tls-verify=false', '--dest-creds', 'bob:bob-pw', `oci:${source.root}:docker.io/src/img:1`, `docker://${berthd.host}/secret/b:1`]);
    // The image's own blobs are in team/app too (alice pushed the same image): make a blob only B has.
    const only = Buffer.from(`only in secret/b ${Date.now()}`);
    const digest = `sha256:${createHash('sha256').update(only).digest('hex')}`;
    const bob = await token('bob', 'repository:secret/b:pull,push');
    const up = await fetch(`${berthd.url}/v2/secret/b/blobs/uploads/?digest=${digest}`, { method: 'POST', body: only, headers: { authorization: bob, 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    const alice = await token('alice', 'repository:team/app:pull,push', 'repository:secret/b:pull');
    const direct = await fetch(`${berthd.url}/v2/secret/b/blobs/${digest}`, { headers: { authorization: alice } });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('DENIED');
    const via = await fetch(`${berthd.url}/v2/team/app/blobs/${digest}`, { headers: { authorization: alice } });
    expect(via.status).toBe(404);
    const mount = await fetch(`${berthd.url}/v2/team/app/blobs/uploads/?mount=${digest}&from=secret/b`, { method: 'POST', headers: { authorization: alice } });
    expect(mount.status).toBe(202); // a plain upload session, not the blob
    expect(mount.headers.get('location')).toMatch(/\/v2\/team\/app\/blobs\/uploads\//);
    expect((await fetch(`${berthd.url}/v2/team/app/blobs/${digest}`, { method: 'HEAD', headers: { authorization: alice } })).status).toBe(404);
    // The catalog shows each user what they may pull.
    const catalog = async (auth: string) => ((await (await fetch(`${berthd.url}/v2/_catalog`, { headers: { authorization: auth } })).json()) as { repositories: string[] }).repositories;
    expect(await catalog(basic('alice', 'alice-pw'))).toEqual(['team/app']);
    expect(await catalog(basic('bob', 'bob-pw'))).toEqual(['secret/b']);
  });

  it('docker login, then docker push and docker pull through the token flow', async () => {
    const ref = `${berthd.host}/team/dock:1`;
    const login = await docker(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'alice-pw\n' });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Login Succeeded');
    await docker(['import', rootfsTarPath, ref]);
    const push = await docker(['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
    expect((await docker(['rmi', ref])).code).toBe(0);
    const pull = await docker(['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    expect((await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim()).toBe(id);
    const row = (await served.ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}', 'team/dock'])).trim();
    expect(row).toBe(`team/dock:1 ${id.slice('sha256:'.length, 'sha256:'.length + 12)}`);
    // alice may not push to secret/*: docker says denied.
    const other = `${berthd.host}/secret/dock:1`;
    await docker(['tag', ref, other]);
    const denied = await docker(['push', other]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/denied/);
    await docker(['rmi', ref, other]);
    await docker(['logout', berthd.host]);
    // Anonymous read-only: docker pulls with an anonymous token, and cannot push.
    const anon = await docker(['pull', ref]);
    expect(anon.code, anon.stderr).toBe(0);
    const anonPush = await docker(['push', ref]);
    expect(anonPush.code).not.toBe(0);
    expect(anonPush.stderr).toMatch(/unauthorized|authentication required/i);
    await docker(['rmi', ref]);
  });

  it('podman login, then podman push and pull through the token flow', async () => {
    const peer = await startPodman();
    try {
      const authfile = join(work, 'podman-auth.json');
      const login = (pw: string) => peer.podman(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'alice', '--password-stdin', berthd.host], { input: `${pw}\n` });
      expect((await login('wrong')).code).not.toBe(0);
      const good = await login('alice-pw');
      expect(good.code, good.stderr).toBe(0);
      const src = `${berthd.host}/team/app:1`;
      const pulled = await peer.podman(['pull', '--tls-verify=false', '--authfile', authfile, src]);
      expect(pulled.code, pulled.stderr).toBe(0);
      await peer.podman(['tag', src, `${berthd.host}/team/pod:1`, `${berthd.host}/secret/pod:1`]);
      const push = await peer.podman(['push', '--tls-verify=false', '--authfile', authfile, `${berthd.host}/team/pod:1`]);
      expect(push.code, push.stderr).toBe(0);
      expect((await served.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'team/pod'])).trim()).toBe('team/pod:1');
      const denied = await peer.podman(['push', '--tls-verify=false', '--authfile', authfile, `${berthd.host}/secret/pod:1`]);
      expect(denied.code).not.toBe(0);
    } finally {
      await peer.cleanup();
    }
  });

  it('berth login against berthd, then berth push', async () => {
    const env = { DOCKER_CONFIG: join(work, 'berth-config') };
    const bad = await source.berth(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'nope\n', env });
    expect(bad.code).not.toBe(0);
    expect(await source.ok(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'alice-pw\n', env })).toContain('Login Succeeded');
    await source.ok(['tag', 'src/img:1', `${berthd.host}/team/berth:1`]);
    await source.ok(['push', `${berthd.host}/team/berth:1`], { env });
    const sourceId = (await source.ok(['images', '-q', '--no-trunc', 'src/img:1'])).trim();
    expect((await served.ok(['images', '-q', '--no-trunc', 'team/berth:1'])).trim()).toBe(sourceId);
  });

  it('login stores an identity token, not the password, and docker and berth each use the other\'s', async () => {
    type Auths = { auths: Record<string, { auth?: string; identitytoken?: string }> };
    const entry = async (dir: string) => ((JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Auths).auths[berthd.host])!;
    const userOnly = Buffer.from('alice:').toString('base64');

    // berth login: the token server's refresh token (offline_token=true) is stored, as docker stores it.
    const berthConfig = join(work, 'berth-identity-config');
    await source.ok(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'alice-pw\n', env: { DOCKER_CONFIG: berthConfig } });
    const mine = await entry(berthConfig);
    expect(mine.identitytoken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(mine.auth).toBe(userOnly);
    expect(await readFile(join(berthConfig, 'config.json'), 'utf8')).not.toContain('alice-pw');
    // berth pushes with it (POST grant_type=refresh_token); docker pushes with berth's config file
    // (anonymous access is read-only, so a push proves the token was used).
    await source.ok(['tag', 'src/img:1', `${berthd.host}/team/ident:1`]);
    await source.ok(['push', `${berthd.host}/team/ident:1`], { env: { DOCKER_CONFIG: berthConfig } });
    const withBerthConfig = { env: { ...process.env, DOCKER_HOST: inject('dockerHost'), DOCKER_CONFIG: berthConfig } };
    expect((await run('docker', ['pull', `${berthd.host}/team/ident:1`], withBerthConfig)).code).toBe(0);
    await docker(['tag', `${berthd.host}/team/ident:1`, `${berthd.host}/team/ident:docker`]);
    const viaBerth = await run('docker', ['push', `${berthd.host}/team/ident:docker`], withBerthConfig);
    expect(viaBerth.code, viaBerth.stderr).toBe(0);
    expect(await served.ok(['images', '--format', '{{.Tag}}', 'team/ident'])).toContain('docker');
    await docker(['rmi', `${berthd.host}/team/ident:1`, `${berthd.host}/team/ident:docker`]);

    // docker login: docker stores the identity token berthd hands it; berth pushes with docker's file.
    expect((await docker(['login', '-u', 'alice', '--password-stdin', berthd.host], { input: 'alice-pw\n' })).code).toBe(0);
    const theirs = await entry(dockerConfig);
    expect(theirs.identitytoken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await source.ok(['tag', 'src/img:1', `${berthd.host}/team/ident:2`]);
    await source.ok(['push', `${berthd.host}/team/ident:2`], { env: { DOCKER_CONFIG: dockerConfig } });
    expect((await served.ok(['images', '-q', '--no-trunc', 'team/ident:2'])).trim()).toBe((await source.ok(['images', '-q', '--no-trunc', 'src/img:1'])).trim());

    // A token that is not berthd's is refused with one line that says what to do.
    const forged = join(work, 'forged-config');
    await mkdir(forged);
    await writeFile(join(forged, 'config.json'), JSON.stringify({ auths: { [berthd.host]: { auth: userOnly, identitytoken: 'a.b.c' } } }));
    await source.ok(['tag', 'src/img:1', `${berthd.host}/team/ident:3`]);
    const refused = await source.berth(['push', `${berthd.host}/team/ident:3`], { env: { DOCKER_CONFIG: forged } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the stored identity token .*berth login/);
    await docker(['logout', berthd.host]);
  });
});

describe('berthd htpasswd Basic auth, anonymous read-only', () => {
  let basicd: Berthd;
  let store: Store;

  beforeAll(async () => {
    store = await newStore('berthd-basic-');
    await writeFile(join(work, 'basic.json'), JSON.stringify({
      auth: { anonymous: 'read-only', htpasswd: 'htpasswd', grants: [{ user: 'alice', repository: 'team/*', actions: ['pull', 'push'] }] },
    }));
    basicd = await startBerthd(store.root, '127.0.0.1:0', ['--config', join(work, 'basic.json')]);
  });
  afterAll(async () => {
    await basicd?.stop();
    await store?.cleanup();
  });

  it('docker pushes only after docker login, is denied outside its grant, search lists what the user may pull, skopeo pulls anonymously', async () => {
    const ref = `${basicd.host}/team/basic:1`;
    await docker(['import', rootfsTarPath, ref]);
    const anon = await docker(['push', ref]);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/unauthorized|authentication required|no basic auth credentials/i);
    const res = await fetch(`${basicd.url}/v2/team/basic/blobs/uploads/`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="berthd"');
    const login = await docker(['login', '-u', 'alice', '--password-stdin', basicd.host], { input: 'alice-pw\n' });
    expect(login.code, login.stderr).toBe(0);
    const push = await docker(['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    const bobRef = `${basicd.host}/bob/basic:1`;
    await docker(['tag', ref, bobRef]);
    const denied = await docker(['push', bobRef]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/denied/);
    // Logged in as alice, docker search sends her Basic credentials to /v1/search.
    await store.ok(['tag', 'team/basic:1', 'other/hidden:1']);
    const search = await docker(['search', '--format', '{{.Name}}', `${basicd.host}/basic`]);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout.trim()).toBe('team/basic');
    await docker(['logout', basicd.host]);
    await docker(['rmi', ref, bobRef]);
    // docker refuses to answer a Basic challenge without credentials ("no basic auth
    // credentials"), so anonymous pull with docker needs the token service (checked above);
    // skopeo sends empty credentials, which count as anonymous.
    const out = join(work, 'anon-pulled');
    await ok(requirePeer('skopeo'), ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${out}:x`]);
  });

  it('berth login checks the password with Basic auth, then berth push lands', async () => {
    const env = { DOCKER_CONFIG: join(work, 'berth-basic-config') };
    expect((await source.berth(['login', '-u', 'alice', '--password-stdin', basicd.host], { input: 'nope\n', env })).code).not.toBe(0);
    await source.ok(['login', '-u', 'alice', '--password-stdin', basicd.host], { input: 'alice-pw\n', env });
    await source.ok(['tag', 'src/img:1', `${basicd.host}/team/berth-basic:1`]);
    await source.ok(['push', `${basicd.host}/team/berth-basic:1`], { env });
    expect((await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'team/berth-basic'])).trim()).toBe('team/berth-basic:1');
  });
});

describe('berthd TLS', () => {
  let tlsDir: string;
  let certDir: string;

  beforeAll(async () => {
    const openssl = requirePeer('openssl');
    tlsDir = join(work, 'tls');
    await mkdir(tlsDir);
    const p = (f: string) => join(tlsDir, f);
    await ok(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '2', '-subj', '/CN=berth test CA']);
    await ok(openssl, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
    await writeFile(p('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    await ok(openssl, ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('san.ext')]);
    await ok(openssl, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('client.key'), '-out', p('client.csr'), '-subj', '/CN=berth client']);
    await ok(openssl, ['x509', '-req', '-in', p('client.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('client.crt'), '-days', '2']);
    // containers/image reads a directory: *.crt are CAs, *.cert + *.key a client certificate.
    certDir = join(work, 'certs.d');
    await mkdir(certDir);
    await copyFile(p('ca.crt'), join(certDir, 'ca.crt'));
  });

  function get(url: string, opts: { ca?: Buffer; cert?: Buffer; key?: Buffer }): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(url, { ...opts, rejectUnauthorized: true }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves HTTPS with --tls-cert/--tls-key: skopeo trusting the CA pushes, node verifies the chain', async () => {
    const store = await newStore('berthd-tls-');
    const d = await startBerthd(store.root, '127.0.0.1:0', ['--tls-cert', join(tlsDir, 'server.crt'), '--tls-key', join(tlsDir, 'server.key')]);
    try {
      expect(d.url).toMatch(/^https:\/\//);
      const ca = await readFile(join(tlsDir, 'ca.crt'));
      expect(await get(`${d.url}/v2/`, { ca })).toBe(200);
      await expect(get(`${d.url}/v2/`, {})).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      await ok(requirePeer('skopeo'), ['copy', '--dest-cert-dir', certDir, `oci:${source.root}:docker.io/src/img:1`, `docker://${d.host}/tls/img:1`]);
      const noCa = await skopeo(['copy', `oci:${source.root}:docker.io/src/img:1`, `docker://${d.host}/tls/img:2`]);
      expect(noCa.code).not.toBe(0);
      expect(noCa.stderr).toMatch(/certificate/i);
      expect((await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim()).toBe('tls/img:1');
    } finally {
      await d.stop();
      await store.cleanup();
    }
  });

  it('with --tls-ca, a client without a certificate signed by that CA is refused', async () => {
    const store = await newStore('berthd-mtls-');
    const p = (f: string) => join(tlsDir, f);
    const d = await startBerthd(store.root, '127.0.0.1:0', ['--tls-cert', p('server.crt'), '--tls-key', p('server.key'), '--tls-ca', p('ca.crt')]);
    try {
      const ca = await readFile(p('ca.crt'));
      await expect(get(`${d.url}/v2/`, { ca })).rejects.toThrow();
      expect(await get(`${d.url}/v2/`, { ca, cert: await readFile(p('client.crt')), key: await readFile(p('client.key')) })).toBe(200);
      const clientDir = join(work, 'certs-client');
      await mkdir(clientDir, { recursive: true });
      await copyFile(p('ca.crt'), join(clientDir, 'ca.crt'));
      await copyFile(p('client.crt'), join(clientDir, 'client.cert'));
      await copyFile(p('client.key'), join(clientDir, 'client.key'));
      await ok(requirePeer('skopeo'), ['copy', '--dest-cert-dir', clientDir, `oci:${source.root}:docker.io/src/img:1`, `docker://${d.host}/mtls/img:1`]);
      const without = await skopeo(['copy', '--dest-cert-dir', certDir, `oci:${source.root}:docker.io/src/img:1`, `docker://${d.host}/mtls/img:2`]);
      expect(without.code).not.toBe(0);
    } finally {
      await d.stop();
      await store.cleanup();
    }
  });
});
