import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { openFsStore } from '@berth/store-fs';
import { parseChallenges } from '@berth/registry-distribution';
import { buildServer } from '../server.js';
import { parseConfig } from '../config-file.js';
import { isLoopbackListen, refuseOpenListen } from '../listen-policy.js';
import { parseAuthConfig, type AuthConfig } from './auth-config.js';
import { Grants } from './grants.js';
import { Htpasswd, parseHtpasswd } from './htpasswd.js';
import { TokenSigner } from './jwt.js';
import { RegistryAuth } from './registry-auth.js';

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const basic = (user: string, pw: string): string => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berthd-auth-'));
  await writeFile(join(dir, 'htpasswd'), `alice:${bcrypt.hashSync('alice-pw', 4)}\nbob:${bcrypt.hashSync('bob-pw', 4)}\n`);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('grants', () => {
  const g = new Grants('read-only', [
    { user: 'alice', repository: 'team/*', actions: ['pull', 'push'] },
    { user: '*', repository: '${user}/*', actions: ['pull', 'push', 'delete'] },
    { user: 'bob', repository: 'library/busybox', actions: ['pull'] },
  ]);
  it('matches * across slashes, ${user} namespaces and Docker name normalisation', () => {
    expect([...g.actions('alice', 'team/app')]).toEqual(['pull', 'push']);
    expect([...g.actions('alice', 'team/a/b')]).toEqual(['pull', 'push']);
    expect([...g.actions('alice', 'teamx/app')]).toEqual([]);
    expect([...g.actions('bob', 'bob/tool')].sort()).toEqual(['delete', 'pull', 'push']);
    expect([...g.actions('bob', 'alice/tool')]).toEqual([]);
    expect([...g.actions('bob', 'busybox')]).toEqual(['pull']);
    expect([...g.actions('bob', 'docker.io/library/busybox')]).toEqual(['pull']);
  });
  it('gives anonymous pull only when read-only, and nothing for invalid names', () => {
    expect([...g.actions(undefined, 'team/app')]).toEqual(['pull']);
    expect([...new Grants('off', undefined).actions(undefined, 'team/app')]).toEqual([]);
    expect([...new Grants('off', undefined).actions('anyone', 'x')].sort()).toEqual(['delete', 'pull', 'push']);
    expect([...g.actions('alice', 'Team/App')]).toEqual([]);
  });
});

describe('jwt', () => {
  const expected = { issuer: 'berthd', audience: 'svc', use: 'access' as const };
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: 'berthd', sub: 'alice', aud: 'svc', exp: now + 60, nbf: now, iat: now, jti: 'x', access: [] };
  it('verifies its own tokens and refuses tampering, alg none, another key, expiry, audience and refresh tokens', async () => {
    const signer = await TokenSigner.fromFile(join(dir, 'k.pem'), true);
    expect((await readFile(join(dir, 'k.pem'), 'utf8')).startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const t = signer.sign(claims);
    expect(signer.verify(t, expected)?.sub).toBe('alice');
    const [h, p, s] = t.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'root' })).toString('base64url');
    expect(signer.verify(`${h}.${forged}.${s}`, expected)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: signer.kid })).toString('base64url');
    expect(signer.verify(`${none}.${p}.`, expected)).toBeUndefined();
    const other = new TokenSigner(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    expect(signer.verify(other.sign(claims), expected)).toBeUndefined();
    expect(signer.verify(signer.sign({ ...claims, exp: now - 120 }), expected)).toBeUndefined();
    expect(signer.verify(signer.sign({ ...claims, aud: 'other' }), expected)).toBeUndefined();
    expect(signer.verify(signer.sign({ ...claims, use: 'refresh' }), expected)).toBeUndefined();
    // The same key file gives the same signer after a restart.
    expect((await TokenSigner.fromFile(join(dir, 'k.pem'), true)).verify(t, expected)?.sub).toBe('alice');
  });
});

describe('htpasswd', () => {
  it('verifies bcrypt passwords and sees a changed file without a restart', async () => {
    const h = await Htpasswd.open(join(dir, 'htpasswd'));
    expect(await h.verify('alice', 'alice-pw')).toBe(true);
    expect(await h.verify('alice', 'bob-pw')).toBe(false);
    expect(await h.verify('carol', 'x')).toBe(false);
    await writeFile(join(dir, 'htpasswd'), `carol:${bcrypt.hashSync('carol-pw', 4)}\n`);
    await utimes(join(dir, 'htpasswd'), new Date(), new Date(Date.now() + 10_000));
    (h as unknown as { checkedAt: number }).checkedAt = 0;
    expect(await h.verify('carol', 'carol-pw')).toBe(true);
    expect(await h.verify('alice', 'alice-pw')).toBe(false);
  });
  it('refuses a non-bcrypt line without printing it', () => {
    expect(() => parseHtpasswd('alice:{SHA}secretish\n', '/f')).toThrow(/^\/f:1: not a bcrypt entry/);
    expect(() => parseHtpasswd('alice:{SHA}secretish\n', '/f')).not.toThrow(/secretish/);
  });
});

describe('config file', () => {
  it('resolves paths against the file and refuses unknown keys', () => {
    const c = parseConfig({ root: 'r', tls: { cert: 'c.pem', key: 'k.pem' }, auth: { htpasswd: 'h', token: {}, grants: [{ user: 'a', repository: 'x/*', actions: ['*'] }] } }, '/etc/berthd/config.json');
    expect(c.root).toBe('/etc/berthd/r');
    expect(c.tls).toEqual({ cert: '/etc/berthd/c.pem', key: '/etc/berthd/k.pem' });
    expect(c.auth).toEqual({ anonymous: 'off', htpasswd: '/etc/berthd/h', token: { service: 'berthd', issuer: 'berthd', expiresIn: 300 }, grants: [{ user: 'a', repository: 'x/*', actions: ['pull', 'push', 'delete'] }] });
    expect(() => parseConfig({ lsten: 'x' }, '/c.json')).toThrow(/unknown key "lsten"/);
    expect(() => parseConfig({ auth: { htpasswd: 'h', anonymous: 'yes' } }, '/c.json')).toThrow(/auth.anonymous must be/);
    expect(() => parseAuthConfig({ htpasswd: 'h', grants: [{ user: 'a', repository: 'x', actions: ['write'] }] }, (p) => p)).toThrow(/"write" is not pull/);
  });
  it('allows a non-loopback listen only with auth or TLS client certificates', () => {
    expect(isLoopbackListen('unix:///run/berthd.sock')).toBe(true);
    expect(isLoopbackListen('127.0.0.1:2375')).toBe(true);
    expect(isLoopbackListen('[::1]:2375')).toBe(true);
    expect(isLoopbackListen('0.0.0.0:2375')).toBe(false);
    expect(refuseOpenListen('0.0.0.0:2375', {}, 'Engine API')).toMatch(/refusing to serve the Engine API on 0.0.0.0:2375/);
    expect(refuseOpenListen('0.0.0.0:2375', { tls: { cert: 'c', key: 'k' } }, 'Engine API')).toBeDefined();
    expect(refuseOpenListen('0.0.0.0:2375', { tls: { cert: 'c', key: 'k', ca: 'ca' } }, 'Engine API')).toBeUndefined();
  });
});

describe('the registry face with auth', () => {
  let app: FastifyInstance;
  const layerA = Buffer.from('layer of team/a');
  const layerB = Buffer.from('layer of secret/b');

  async function start(config: Omit<AuthConfig, 'htpasswd'>): Promise<void> {
    const root = join(dir, 'root');
    const auth = await RegistryAuth.create({ htpasswd: join(dir, 'htpasswd'), ...config }, root, false);
    app = await buildServer({ backend: await openFsStore({ root }), root, logLevel: false, auth });
  }
  afterEach(() => app?.close());

  async function token(user: string | undefined, ...scopes: string[]): Promise<string> {
    const q = new URLSearchParams([['service', 'berthd'], ...scopes.map((s) => ['scope', s] as [string, string])]);
    const res = await app.inject({ method: 'GET', url: `/token?${q}`, headers: user ? { authorization: basic(user, `${user}-pw`) } : {} });
    expect(res.statusCode, res.body).toBe(200);
    return `Bearer ${(res.json() as { token: string }).token}`;
  }

  async function push(repo: string, data: Buffer, authorization: string): Promise<number> {
    const res = await app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${sha(data)}`, payload: data, headers: { 'content-type': 'application/octet-stream', authorization } });
    return res.statusCode;
  }

  const grants = [
    { user: 'alice', repository: 'team/*', actions: ['pull', 'push'] as ('pull' | 'push')[] },
    { user: 'bob', repository: 'secret/*', actions: ['pull', 'push'] as ('pull' | 'push')[] },
  ];

  it('token mode: anonymous push gets 401 with a Bearer challenge naming realm, service and scope', async () => {
    await start({ anonymous: 'read-only', token: { service: 'berthd', issuer: 'berthd', expiresIn: 300 }, grants });
    // Anonymous reads need no token (read-only): the catalog answers, uploads do not.
    expect((await app.inject({ method: 'GET', url: '/v2/_catalog' })).statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/v2/team/a/blobs/uploads/', headers: { host: '127.0.0.1:5555' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    expect(parseChallenges(res.headers['www-authenticate'] as string)).toEqual([{ scheme: 'bearer', params: { realm: 'http://127.0.0.1:5555/token', service: 'berthd', scope: 'repository:team/a:pull,push' } }]);
    // An anonymous token (read-only) pulls but cannot push: 401 again, since logging in could help.
    const anon = await token(undefined, 'repository:team/a:pull,push');
    expect(await push('team/a', layerA, anon)).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: '/token?service=berthd', headers: { authorization: basic('alice', 'nope') } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] });
    const base = await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: await token('alice') } });
    expect(base.statusCode).toBe(200);
  });

  it("token mode: a token for repository A cannot read, mount or reference B's blobs", async () => {
    await start({ anonymous: 'off', token: { service: 'berthd', issuer: 'berthd', expiresIn: 300 }, grants });
    const closed = await app.inject({ method: 'GET', url: '/v2/_catalog', headers: { host: 'h:1' } });
    expect(closed.statusCode).toBe(401);
    expect(parseChallenges(closed.headers['www-authenticate'] as string)[0]!.params.scope).toBe('registry:catalog:*');
    expect(await push('secret/b', layerB, await token('bob', 'repository:secret/b:pull,push'))).toBe(201);
    const alice = await token('alice', 'repository:team/a:pull,push', 'repository:secret/b:pull');
    expect(await push('team/a', layerA, alice)).toBe(201);
    // Straight at B: alice was granted nothing there, so the token holds nothing: 403 DENIED.
    const direct = await app.inject({ method: 'GET', url: `/v2/secret/b/blobs/${sha(layerB)}`, headers: { authorization: alice } });
    expect(direct.statusCode).toBe(403);
    expect(direct.json()).toMatchObject({ errors: [{ code: 'DENIED' }] });
    // Through A, where the shared store holds the bytes: unknown in A.
    const via = await app.inject({ method: 'GET', url: `/v2/team/a/blobs/${sha(layerB)}`, headers: { authorization: alice } });
    expect(via.statusCode).toBe(404);
    expect(via.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
    const head = await app.inject({ method: 'HEAD', url: `/v2/team/a/blobs/${sha(layerB)}`, headers: { authorization: alice } });
    expect(head.statusCode).toBe(404);
    // A mount from B starts a plain upload instead (202), as distribution does.
    const mount = await app.inject({ method: 'POST', url: `/v2/team/a/blobs/uploads/?mount=${sha(layerB)}&from=secret/b`, headers: { authorization: alice } });
    expect(mount.statusCode).toBe(202);
    // A manifest in A naming B's blob is refused.
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    expect(await push('team/a', config, alice)).toBe(201);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.example+json', digest: sha(config), size: config.length }, layers: [{ mediaType: 'application/octet-stream', digest: sha(layerB), size: layerB.length }] });
    const put = await app.inject({ method: 'PUT', url: '/v2/team/a/manifests/x', payload: manifest, headers: { authorization: alice, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(put.statusCode).toBe(400);
    expect(put.json()).toMatchObject({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN' }] });
    // Bob, who may pull B, mounts B's blob into his other repository.
    const bob = await token('bob', 'repository:secret/c:pull,push', 'repository:secret/b:pull');
    const ok = await app.inject({ method: 'POST', url: `/v2/secret/c/blobs/uploads/?mount=${sha(layerB)}&from=secret/b`, headers: { authorization: bob } });
    expect(ok.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: `/v2/secret/c/blobs/${sha(layerB)}`, headers: { authorization: bob } })).statusCode).toBe(200);
  });

  it('token mode: a token scoped to pull only gets insufficient_scope on push when the user may push', async () => {
    await start({ anonymous: 'off', token: { service: 'berthd', issuer: 'berthd', expiresIn: 300 }, grants });
    const res = await app.inject({ method: 'POST', url: `/v2/team/a/blobs/uploads/?digest=${sha(layerA)}`, payload: layerA, headers: { authorization: await token('alice', 'repository:team/a:pull'), host: 'h:1' } });
    expect(res.statusCode).toBe(401);
    expect(parseChallenges(res.headers['www-authenticate'] as string)[0]!.params.error).toBe('insufficient_scope');
    // Flip a signature character in the middle (the last one carries padding bits only in part).
    const good = await token('alice', 'repository:team/a:pull');
    const at = good.length - 20;
    const forged = `${good.slice(0, at)}${good[at] === 'A' ? 'B' : 'A'}${good.slice(at + 1)}`;
    expect((await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: forged } })).statusCode).toBe(401);
    // Removing alice from htpasswd ends her tokens before they expire.
    const valid = await token('alice', 'repository:team/a:pull');
    expect((await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: valid } })).statusCode).toBe(200);
    await writeFile(join(dir, 'htpasswd'), `bob:${bcrypt.hashSync('bob-pw', 4)}\n`);
    await utimes(join(dir, 'htpasswd'), new Date(), new Date(Date.now() + 10_000));
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: valid } })).statusCode).toBe(401);
  });

  it('POST /token: password grant with offline access gives a refresh token that gets new access tokens', async () => {
    await start({ anonymous: 'off', token: { service: 'berthd', issuer: 'berthd', expiresIn: 300 }, grants });
    const form = (o: Record<string, string>) => ({ method: 'POST' as const, url: '/token', payload: new URLSearchParams(o).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const first = await app.inject(form({ grant_type: 'password', username: 'alice', password: 'alice-pw', service: 'berthd', client_id: 'test', access_type: 'offline', scope: 'repository:team/a:pull,push repository:secret/b:pull' }));
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json() as { access_token: string; refresh_token: string; scope: string };
    expect(body.scope).toBe('repository:team/a:pull,push');
    expect(await push('team/a', layerA, `Bearer ${body.access_token}`)).toBe(201);
    // A refresh token is no access token.
    expect(await push('team/a', layerA, `Bearer ${body.refresh_token}`)).toBe(401);
    const again = await app.inject(form({ grant_type: 'refresh_token', refresh_token: body.refresh_token, service: 'berthd', client_id: 'test', scope: 'repository:team/a:pull' }));
    expect(again.statusCode).toBe(200);
    expect((again.json() as { scope: string }).scope).toBe('repository:team/a:pull');
    expect((await app.inject(form({ grant_type: 'password', username: 'alice', password: 'x', service: 'berthd' }))).statusCode).toBe(401);
    expect((await app.inject(form({ grant_type: 'refresh_token', refresh_token: 'junk', service: 'berthd' }))).statusCode).toBe(401);
  });

  it('basic mode: wrong password 401, a user without the grant 403 DENIED, anonymous read-only pulls, catalog filtered', async () => {
    await start({ anonymous: 'read-only', grants });
    const noCreds = await app.inject({ method: 'POST', url: '/v2/team/a/blobs/uploads/' });
    expect(noCreds.statusCode).toBe(401);
    expect(noCreds.headers['www-authenticate']).toBe('Basic realm="berthd"');
    expect((await app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('alice', 'wrong') } })).statusCode).toBe(401);
    expect(await push('team/a', layerA, basic('alice', 'alice-pw'))).toBe(201);
    expect(await push('secret/b', layerB, basic('bob', 'bob-pw'))).toBe(201);
    const denied = await app.inject({ method: 'POST', url: '/v2/secret/b/blobs/uploads/', headers: { authorization: basic('alice', 'alice-pw') } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] });
    expect((await app.inject({ method: 'GET', url: `/v2/team/a/blobs/${sha(layerA)}` })).statusCode).toBe(200);
    // Empty Basic credentials (containers/image without a login) are anonymous.
    expect((await app.inject({ method: 'GET', url: `/v2/team/a/blobs/${sha(layerA)}`, headers: { authorization: basic('', '') } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v2/team/a/blobs/uploads/', headers: { authorization: basic('', '') } })).statusCode).toBe(401);
    // Tag an image in each repository through its owner, then list.
    for (const [repo, user] of [['team/a', 'alice'], ['secret/b', 'bob']] as const) {
      const m = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.example', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(repo === 'team/a' ? layerA : layerB), size: 15 }, layers: [] });
      const put = await app.inject({ method: 'PUT', url: `/v2/${repo}/manifests/v1`, payload: m, headers: { authorization: basic(user, `${user}-pw`), 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
      expect(put.statusCode, put.body).toBe(201);
    }
    const list = async (authorization?: string) => (await app.inject({ method: 'GET', url: '/v2/_catalog', headers: authorization ? { authorization } : {} })).json() as { repositories: string[] };
    expect((await list(basic('alice', 'alice-pw'))).repositories).toEqual(['team/a']);
    expect((await list(basic('bob', 'bob-pw'))).repositories).toEqual(['secret/b']);
    const search = (await app.inject({ method: 'GET', url: '/v1/search?q=', headers: { authorization: basic('bob', 'bob-pw') } })).json() as { results: { name: string }[] };
    expect(search.results.map((r) => r.name)).toEqual(['secret/b']);
  });
});
