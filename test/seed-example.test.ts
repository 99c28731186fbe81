// The seed's own example end to end on a local busybox base: a Dockerfile with FROM, MAINTAINER,
// RUN, EXPOSE 80, ADD index.html, ADD run.sh, RUN chmod, CMD builds with `berth build`;
// `berth run -d --name web` starts it, `berth logs web` and `berth ps` show it; a container's
// change becomes an image with `berth commit`, seen in `berth history` and in a run of it.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';

const SEED = fileURLToPath(new URL('./fixtures/dockerfiles/26-seed-example/', import.meta.url));
let work: string;
let store: Store;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'seed-example-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  store = await newStore();
  await store.ok(['import', tar, 'berth-build/busybox:1']);
});

afterAll(async () => {
  await store?.berth(['rm', '-f', 'web']);
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe("the seed's example", () => {
  it('builds, runs detached as web, and shows in logs and ps', async () => {
    const ctx = join(work, 'ctx');
    await cp(SEED, ctx, { recursive: true });
    const built = await store.ok(['build', '-t', 'seed/web:1', ctx]);
    expect(built).toContain('Successfully tagged seed/web:1\n');
    const cfg = JSON.parse(await store.ok(['image', 'inspect', '-f', '{{json .Config}}', 'seed/web:1'])) as { Cmd: string[]; ExposedPorts: Record<string, object> };
    expect(cfg.Cmd).toEqual(['/run.sh']);
    expect(Object.keys(cfg.ExposedPorts)).toEqual(['80/tcp']);
    expect((await store.ok(['image', 'inspect', '-f', '{{.Author}}', 'seed/web:1'])).trim()).toBe('berth <berth@example.com>');

    await store.ok(['run', '-d', '--name', 'web', 'seed/web:1']);
    let logs = '';
    for (let i = 0; i < 50 && !logs.includes('hello from berth'); i++) {
      await sleep(100);
      logs = await store.ok(['logs', 'web']);
    }
    expect(logs).toContain('<h1>hello from berth</h1>');
    const ps = await store.ok(['ps', '--format', '{{.Names}} {{.Image}} {{.Command}}']);
    expect(ps).toContain('web seed/web:1 "/run.sh"');
    await store.ok(['rm', '-f', 'web']);
  });

  it('a container change committed becomes an image: in history and in a run of it', async () => {
    await store.ok(['run', '--name', 'changer', 'seed/web:1', 'sh', '-c', 'echo hello > /f']);
    await store.ok(['commit', '-m', 'add /f', 'changer', 'seed/web:committed']);
    await store.ok(['rm', 'changer']);
    const history = await store.ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'seed/web:committed']);
    expect(history.split('\n')[0]).toBe("sh -c echo hello > /f|add /f");
    expect(await store.ok(['run', '--rm', 'seed/web:committed', 'cat', '/f'])).toBe('hello\n');
  });
});
