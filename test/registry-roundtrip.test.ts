// berth against the real docker-registry in each auth mode (none, htpasswd, token), with the real
// docker as the other client: push/rmi/pull round trips, cross-client image IDs, shared credentials.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, run, skopeo, startRegistry, HELLO_TXT, type RegistryAuthMode, type RegistryPeer, type RunOptions } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';

let work: string;
let rootfsTarPath: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'registry-e2e-'));
  rootfsTarPath = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.each(['none', 'htpasswd', 'token'] as RegistryAuthMode[])('registry with auth %s', (mode) => {
  let reg: RegistryPeer;
  let store: Store;
  let dockerConfig: string;
  const auth = mode !== 'none';
  // berth and docker share one DOCKER_CONFIG: what one stores, the other uses.
  const env = (): NodeJS.ProcessEnv => ({ DOCKER_CONFIG: dockerConfig });
  const docker = async (args: string[], options: RunOptions = {}): Promise<string> => {
    const r = await run('docker', args, { ...options, env: { ...process.env, DOCKER_HOST: inject('dockerHost'), DOCKER_CONFIG: dockerConfig } });
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const berth = (args: string[], options: RunOptions = {}): Promise<string> => store.ok(args, { ...options, env: env() });

  beforeAll(async () => {
    reg = await startRegistry({ auth: mode });
    store = await newStore();
    dockerConfig = await mkdtemp(join(tmpdir(), 'docker-config-'));
  });

  afterAll(async () => {
    await reg?.stop();
    await store?.cleanup();
    await rm(dockerConfig, { recursive: true, force: true });
  });

  if (auth) {
    it('refuses to push without credentials, naming berth login', async () => {
      const name = `${reg.host}/berth/noauth:1`;
      await berth(['import', rootfsTarPath, name]);
      const r = await store.berth(['push', name], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/berth login/);
      await berth(['rmi', name]); // its layer must not make the round trip below look 'Already exists'
    });

    it('berth login refuses a wrong password and stores a right one (0600), which docker then uses', async () => {
      const bad = await store.berth(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 'wrong\n', env: env() });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/unauthorized/);
      const out = await berth(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 'secret-pw\n' });
      expect(out).toContain('Login Succeeded');
      const file = join(dockerConfig, 'config.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const cfg = JSON.parse(await readFile(file, 'utf8')) as { auths: Record<string, { auth: string }> };
      expect(Buffer.from(cfg.auths[reg.host]!.auth, 'base64').toString()).toBe('tester:secret-pw');
      expect(out).not.toContain('secret-pw');
    });
  }

  it('push, rmi, pull round-trips an image with the same ID, and docker pulls the same ID', async () => {
    const name = `${reg.host}/berth/app:1`;
    const id = (await berth(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, name])).trim();
    const pushed = await berth(['push', name]);
    expect(pushed).toContain(`The push refers to repository [${reg.host}/berth/app]`);
    expect(pushed).toMatch(/: Pushed\n/);
    const digest = /^1: digest: (sha256:[a-f0-9]{64}) size: \d+$/m.exec(pushed)?.[1];
    expect(digest).toBeDefined();
    await berth(['rmi', name]);
    const pulled = await berth(['pull', name]);
    expect(pulled).toContain('1: Pulling from berth/app\n'); // dockerd names the path the registry knows, without the host
    expect(pulled).toMatch(/: Pull complete\n/);
    expect(pulled).toContain(`Digest: ${digest}`);
    expect(pulled).toContain(`Status: Downloaded newer image for ${name}`);
    expect(pulled.trimEnd().split('\n').at(-1)).toBe(name);
    expect((await berth(['image', 'inspect', '-f', '{{.Id}}', name])).trim()).toBe(id);
    expect(JSON.parse(await berth(['image', 'inspect', '-f', '{{json .RepoDigests}}', name]))).toEqual([`${reg.host}/berth/app@${digest}`]);
    const again = await berth(['pull', name]);
    expect(again).toContain(`Status: Image is up to date for ${name}`);
    // --json: one Docker JSONMessage a line, as dockerd streams them, for programs.
    await berth(['rmi', name]);
    const json = (await berth(['pull', '--json', name])).trim().split('\n').map((l) => JSON.parse(l) as { status?: string; id?: string; progressDetail?: { current?: number; total?: number } });
    expect(json[0]).toEqual({ status: 'Pulling from berth/app', id: '1' });
    expect(json.some((m) => m.status === 'Downloading' && (m.progressDetail?.total ?? 0) > 0)).toBe(true);
    expect(json.some((m) => m.status === 'Pull complete')).toBe(true);
    expect(json.at(-1)).toEqual({ status: `Status: Downloaded newer image for ${name}` });
    const pushedJson = (await berth(['push', '--json', name])).trim().split('\n').map((l) => JSON.parse(l) as { status?: string; aux?: { Digest?: string } });
    expect(pushedJson.find((m) => m.aux)?.aux?.Digest).toBe(digest);

    // docker uses the credentials berth stored (auth modes) or none.
    // dockerd's first line names the repository as berth's does.
    expect(await docker(['pull', name])).toContain('1: Pulling from berth/app\n');
    expect((await docker(['image', 'inspect', '-f', '{{.Id}}', name])).trim()).toBe(id);
    // A pull is not a tag: docker leaves Metadata.LastTagTime zero, and so does berth.
    const metadata = ['image', 'inspect', '-f', '{{json .Metadata}}', name];
    expect(await berth(metadata)).toBe(await docker(metadata));
    await docker(['rmi', name]);
  });

  it('berth pulls what docker pushed, with the same ID', async () => {
    if (auth) {
      // docker logs in itself this time; berth reads what docker stored.
      await berth(['logout', reg.host]);
      await docker(['login', '-u', 'tester', '--password-stdin', reg.host], { input: 'secret-pw\n' });
    }
    const name = `${reg.host}/docker/made:2`;
    await docker(['import', '-c', 'ENV FROM=docker', rootfsTarPath, name]);
    await docker(['push', name]);
    const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', name])).trim();
    const out = await berth(['pull', name]);
    expect(out).toContain(`Status: Downloaded newer image for ${name}`);
    expect((await berth(['image', 'inspect', '-f', '{{.Id}}', name])).trim()).toBe(id);
    await docker(['rmi', name]);
  });

  if (auth) {
    it('berth logout removes the credentials and pulls are refused again', async () => {
      expect(await berth(['logout', reg.host])).toBe(`Removing login credentials for ${reg.host}\n`);
      expect(await berth(['logout', reg.host])).toBe(`Not logged in to ${reg.host}\n`);
      const r = await store.berth(['pull', `${reg.host}/docker/made:2`], { env: env() });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/berth login/);
    });
  }

  if (mode === 'none') {
    it('pulls the platform asked for from an index, recording the index digest', async () => {
      const amd = (await berth(['import', rootfsTarPath, `${reg.host}/berth/multi:amd`])).trim();
      const arm = (await berth(['import', '-m', 'arm', rootfsTarPath, `${reg.host}/berth/multi:arm`])).trim();
      await berth(['push', '-a', `${reg.host}/berth/multi`]);
      const entry = async (tag: string, architecture: string): Promise<object> => {
        const res = await fetch(`${reg.url}/v2/berth/multi/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
        const bytes = Buffer.from(await res.arrayBuffer());
        return { mediaType: res.headers.get('content-type'), digest: res.headers.get('docker-content-digest'), size: bytes.length, platform: { architecture, os: 'linux' } };
      };
      const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [await entry('amd', 'amd64'), await entry('arm', 'arm64')] });
      const put = await fetch(`${reg.url}/v2/berth/multi/manifests/1`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: index });
      expect(put.status).toBe(201);
      const indexDigest = put.headers.get('docker-content-digest');
      await berth(['rmi', `${reg.host}/berth/multi:amd`, `${reg.host}/berth/multi:arm`]);

      const out = await berth(['pull', '--platform', 'linux/arm64', `${reg.host}/berth/multi:1`]);
      expect(out).toContain(`Digest: ${indexDigest}`);
      expect((await berth(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/berth/multi:1`])).trim()).toBe(arm);
      expect(JSON.parse(await berth(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${reg.host}/berth/multi:1`]))).toContain(`${reg.host}/berth/multi@${indexDigest}`);
      await berth(['pull', '--platform', 'linux/amd64', `${reg.host}/berth/multi:1`]);
      expect((await berth(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/berth/multi:1`])).trim()).toBe(amd);
      const none = await store.berth(['pull', '--platform', 'linux/s390x', `${reg.host}/berth/multi:1`], { env: env() });
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('no matching manifest for linux/s390x in the manifest list entries');
    });

    it('pulls an image with zstd layers, runs it, and docker loads and runs what berth saves of it', async () => {
      // skopeo pushes the image with its layer recompressed as zstd (an OCI tar+zstd layer).
      const plain = (await berth(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, 'local/zsrc:1'])).trim();
      const archive = join(work, 'zsrc.tar');
      await berth(['save', '-o', archive, 'local/zsrc:1']);
      const name = `${reg.host}/zstd/img:1`;
      const pushed = await skopeo(['copy', '-q', '--dest-tls-verify=false', '--format', 'oci', '--dest-compress-format', 'zstd', `docker-archive:${archive}`, `docker://${name}`]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const res = await fetch(`${reg.url}/v2/zstd/img/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      const manifest = (await res.json()) as { layers: { mediaType: string }[] };
      expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd']);

      expect((await berth(['pull', '-q', name])).trim()).toBe(name);
      const rootfs = ['image', 'inspect', '-f', '{{json .RootFS}}'];
      expect(await berth([...rootfs, name])).toBe(await berth([...rootfs, 'local/zsrc:1']));
      expect(await berth(['run', '--rm', '--network', 'none', name])).toBe(HELLO_TXT);
      // A docker-archive holds plain tars: the zstd layer is decompressed on the way out.
      const id = (await berth(['image', 'inspect', '-f', '{{.Id}}', name])).trim();
      expect(id).not.toBe(plain);
      const saved = join(work, 'zstd-saved.tar');
      await berth(['save', '-o', saved, name]);
      await docker(['load', '-i', saved]);
      expect((await docker(['image', 'inspect', '-f', '{{.Id}}', name])).trim()).toBe(id);
      expect(await docker(['run', '--rm', '--network', 'none', name])).toBe(HELLO_TXT);
      await docker(['rmi', name]);
      // Pushed on as stored: the registry gets the zstd blob and its media type back.
      await berth(['tag', name, `${reg.host}/zstd/again:1`]);
      await berth(['push', '-q', `${reg.host}/zstd/again:1`]);
      const again = await fetch(`${reg.url}/v2/zstd/again/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      expect(((await again.json()) as { layers: { mediaType: string }[] }).layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd']);
    });
  }
});
