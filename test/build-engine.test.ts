// `docker build` (classic builder, DOCKER_BUILDKIT=0) against berthd's Engine face: POST /build
// runs the same engine as `berth build`, so the docker CLI prints the same steps and the image it
// names is the one `berth build` makes from the same context on the same root.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar, run, startRegistry, type RunResult } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/dockerfiles/', import.meta.url));
let work: string;
let store: Store;
let berthd: Berthd;
let dockerConfig: string;

const dk = (args: string[]): Promise<RunResult> =>
  run('docker', args, { env: { ...process.env, DOCKER_HOST: `tcp://${berthd.host}`, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: '0' } });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-engine-'));
  dockerConfig = join(work, 'docker-config');
  await mkdir(dockerConfig);
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  store = await newStore('build-engine-root-');
  await store.ok(['import', tar, 'berth-build/busybox:1']);
  berthd = await startBerthd(store.root);
});

afterAll(async () => {
  await berthd?.stop();
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const steps = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('Step ') || l === ' ---> Using cache');

describe('docker build against berthd', () => {
  it.each(['11-multistage', '26-seed-example'])('%s: the docker CLI shows berth build\'s steps and gets its image', async (name) => {
    const ctx = join(work, name);
    await cp(join(FIXTURES, name), ctx, { recursive: true });
    const d = await dk(['build', '-t', `engine/${name}:1`, ctx]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`Successfully tagged engine/${name}:1\n`);
    // The same context again through berth itself: every step is a cache hit on the same images.
    const b = await store.ok(['build', '-t', `engine/${name}:2`, ctx]);
    expect(steps(b).filter((l) => l.startsWith('Step '))).toEqual(steps(d.stdout));
    expect(b).not.toMatch(/Running in/);
    const id = async (tag: string): Promise<string> => (await store.ok(['image', 'inspect', '-f', '{{.Id}}', tag])).trim();
    expect(await id(`engine/${name}:2`)).toBe(await id(`engine/${name}:1`));
  });

  it('-q prints only the image ID; a failing step fails the docker command with its message', async () => {
    const ctx = join(work, 'quiet');
    await mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), 'FROM berth-build/busybox:1\nLABEL quiet=1\n');
    const q = await dk(['build', '-q', ctx]);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM berth-build/busybox:1\nCOPY nope /x\n');
    const f = await dk(['build', ctx]);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain('COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist');
    await writeFile(join(ctx, 'Dockerfile'), 'FROM berth-build/busybox:1\nRUN exit 7\n');
    const runFailed = await dk(['build', ctx]);
    expect(runFailed.code).toBe(7);
    expect(runFailed.stderr).toContain("The command '/bin/sh -c exit 7' returned a non-zero code: 7");
  });

  it('pulls a missing FROM image from a registry (with the credentials docker sends), --pull asks again', async () => {
    const reg = await startRegistry({ auth: 'htpasswd' });
    try {
      const remote = `${reg.host}/base/busybox:1`;
      const [user, password] = Object.entries(reg.users)[0]!;
      // docker checks the login through berthd's /auth and keeps it for X-Registry-Auth and X-Registry-Config.
      const viaEngine = await run('docker', ['login', '-u', user, '--password-stdin', reg.host], { input: `${password}\n`, env: { ...process.env, DOCKER_HOST: `tcp://${berthd.host}`, DOCKER_CONFIG: dockerConfig } });
      expect(viaEngine.code, viaEngine.stderr).toBe(0);
      await store.ok(['tag', 'berth-build/busybox:1', remote]);
      expect((await dk(['push', remote])).code).toBe(0);
      await store.ok(['rmi', remote]);
      const ctx = join(work, 'pulled');
      await mkdir(ctx, { recursive: true });
      await writeFile(join(ctx, 'Dockerfile'), `FROM ${remote}\nLABEL pulled=1\n`);
      const d = await dk(['build', '-t', 'engine/pulled:1', ctx]);
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toContain(`Status: Downloaded newer image for ${remote}`);
      expect((await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', `${reg.host}/base/busybox`])).trim()).toBe(remote);
      const again = await dk(['build', '--pull', '-t', 'engine/pulled:2', ctx]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`Status: Image is up to date for ${remote}`);
      // Without the credentials, the registry refuses and the build says so.
      await dk(['logout', reg.host]);
      const refused = await dk(['build', '--pull', ctx]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/unauthorized|denied|authentication required/i);
    } finally {
      await reg.stop();
    }
  });
});
