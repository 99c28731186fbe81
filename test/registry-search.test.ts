// `berth search` against the real `docker search` (the docker 28 CLI through the suite's dockerd,
// whose daemon does the search) on a v1-search server in Docker Hub's shape, byte for byte; and
// against docker-registry, which has no search API, through its catalog.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, startRegistry, startV1SearchServer, type RegistryPeer, type V1SearchEntry, type V1SearchServer } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker } from './support/docker.js';
import { startBerthd, type Berthd } from './support/berthd.js';

// Unsorted stars on purpose (docker prints the registry's order); long, multi-line, accented and
// wide-character descriptions for truncation; official and automated flags both ways.
const REPOSITORIES: V1SearchEntry[] = [
  { name: 'team/busybox-tools', description: 'Tools built on busybox, with a description that is long enough to be cut', star_count: 3, is_official: false, is_automated: true },
  { name: 'busybox', description: 'Busybox base image.', star_count: 316, is_official: true, is_automated: false },
  { name: 'odd/busybox-café', description: 'Café crème — über long unicode description ééééééééééé', star_count: 50, is_official: false, is_automated: false },
  { name: 'x/busybox-nl', description: 'line one\nline two\r\nthree', star_count: 0, is_official: false, is_automated: true },
  { name: 'wide/busybox', description: '日本語の説明文はとても長いのでここで切られるはずですよね本当に', star_count: 7, is_official: false, is_automated: false },
  { name: 'html/busybox<b>', description: 'a & b <tag> "quoted"', star_count: 12, is_official: true, is_automated: false },
  ...Array.from({ length: 40 }, (_, i) => ({ name: `many/busybox-${i}`, description: `number ${i}`, star_count: i % 9, is_official: false, is_automated: i % 2 === 0 })),
];

let server: V1SearchServer;
let store: Store;

beforeAll(async () => {
  server = await startV1SearchServer({ repositories: REPOSITORIES });
  store = await newStore();
});

afterAll(async () => {
  await server?.close();
  await store?.cleanup();
});

describe('berth search against a v1 search API, compared with docker search', () => {
  const same: string[][] = [
    [],
    ['--no-trunc'],
    ['--limit', '3'],
    ['--limit', '100'],
    ['--limit', '0'],
    ['--limit', '-3'],
    ['-f', 'stars=5'],
    ['-f', 'stars=5', '-f', 'stars=100'],
    ['--filter=stars=+8'],
    ['-f', 'is-official=true'],
    ['-f', 'is-official=false', '--limit', '10'],
    ['-f', 'is-official=true', '-f', 'stars=20'],
    ['--format', '{{.Name}}: {{.StarCount}} {{.IsOfficial}}'],
    ['--format', 'table {{.Name}}\t{{.IsOfficial}}'],
    ['--format', 'table'],
    ['--format', 'json'],
    ['--format', '{{json .}}', '--no-trunc'],
    ['--format', '{{.Description}}'],
  ];
  it.each(same.map((flags) => [flags.join(' ') || '(no flags)', flags] as const))('prints what docker prints: %s', async (_name, flags) => {
    const term = `${server.host}/busybox`;
    const d = await docker(['search', ...flags, term]);
    const b = await store.berth(['search', ...flags, term]);
    expect(d.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(d.stdout);
  });

  it('asks the registry for the limit and the term without the host', async () => {
    const before = server.requests.length;
    await store.ok(['search', '--limit', '7', `${server.host}/busy`]);
    const asked = server.requests.slice(before).filter((r) => r.path === '/v1/search');
    expect(asked).toEqual([{ path: '/v1/search', query: { q: 'busy', n: '7' } }]);
  });

  it('prints only the header when nothing matches, as docker does', async () => {
    const term = `${server.host}/nothing-like-this`;
    const d = await docker(['search', term]);
    const b = await store.berth(['search', term]);
    expect(b.stdout).toBe('NAME      DESCRIPTION   STARS     OFFICIAL\n');
    expect(b.stdout).toBe(d.stdout);
  });

  it('keeps the registry order instead of sorting by stars', async () => {
    const names = (await store.ok(['search', '--format', '{{.Name}}', '--limit', '6', `${server.host}/busybox`])).split('\n').filter(Boolean);
    expect(names).toEqual(REPOSITORIES.slice(0, 6).map((r) => r.name));
  });

  it('warns about is-automated as docker 28 does; is-automated=false filters nothing, as Docker 25+ daemons', async () => {
    // The suite's dockerd is 20.10, which still filtered on Hub's automated flag; since moby 25
    // `is-automated=false` leaves the list whole (registry/search.go), so the reference output is
    // docker's without the filter, and the warning is docker 28's own.
    const term = `${server.host}/busybox`;
    const d = await docker(['search', '-f', 'is-automated=false', term]);
    const whole = await docker(['search', term]);
    const b = await store.berth(['search', '-f', 'is-automated=false', term]);
    expect(b.stderr).toBe(d.stderr);
    expect(b.stderr).toContain('WARNING: the "is-automated" filter is deprecated');
    expect(b.stdout).toBe(whole.stdout);
  });

  it('is-automated=true yields nothing and asks the registry nothing, as Docker 25+ daemons do', async () => {
    // The suite's dockerd is 20.10, which still filtered on Hub's automated flag; since moby 25
    // the daemon answers an empty list (registry/search.go), and docker 28 warns it will.
    const before = server.requests.length;
    const b = await store.berth(['search', '-f', 'is-automated=true', `${server.host}/busybox`]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe('NAME      DESCRIPTION   STARS     OFFICIAL\n');
    expect(server.requests.length).toBe(before);
  });

  // The same refusals as docker; the wording is moby 25+'s (lower case), the suite's 20.10
  // daemon capitalises the first word, so messages are compared without case.
  it.each([
    [['--limit', '101'], 'limit 101 is outside the range of [1, 100]'],
    [['-f', 'is-official=maybe'], "invalid filter 'is-official=[maybe]'"],
    [['-f', 'bogus=1'], "invalid filter 'bogus'"],
    [['-f', 'stars=x'], "invalid filter 'stars=x'"],
  ].map(([flags, message]) => [(flags as string[]).join(' '), flags as string[], message as string] as const))('refuses %s with exit 1 as the daemon does', async (_name, flags, message) => {
    const term = `${server.host}/busybox`;
    const d = await docker(['search', ...flags, term]);
    const b = await store.berth(['search', ...flags, term]);
    expect(d.code).toBe(1);
    expect(b.code).toBe(1);
    expect(b.stdout).toBe('');
    expect(d.stderr.toLowerCase()).toContain(message.toLowerCase());
    expect(b.stderr.toLowerCase()).toContain(`error: ${message.toLowerCase()}`);
  });

  it('refuses a filter without = as a usage error (exit 125), as docker does', async () => {
    const d = await docker(['search', '-f', 'nokey', `${server.host}/busybox`]);
    const b = await store.berth(['search', '-f', 'nokey', `${server.host}/busybox`]);
    expect([d.code, b.code]).toEqual([125, 125]);
    expect(b.stderr).toContain('invalid argument "nokey" for "-f, --filter" flag: bad format of filter (expected name=value)');
  });

  it('refuses a template field docker 28 no longer has (IsAutomated)', async () => {
    const flags = ['--format', '{{.Name}} {{.IsAutomated}}', `${server.host}/busybox`];
    const d = await docker(['search', ...flags]);
    const b = await store.berth(['search', ...flags]);
    expect([d.code, b.code]).toEqual([1, 1]);
    expect(d.stderr).toContain("can't evaluate field IsAutomated in type *registry.searchContext");
    expect(b.stderr).toContain("can't evaluate field IsAutomated in type *registry.searchContext");
  });
});

describe('berth search against docker-registry (no search API): the catalog, filtered', () => {
  let work: string;
  let reg: RegistryPeer;
  let authReg: RegistryPeer;
  const names = ['team/busybox-a', 'team/busybox-b', 'other/alpine', 'BusyBox-caps/x'];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'search-e2e-'));
    const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
    [reg, authReg] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
    await store.ok(['import', tar, 'local/base:1']);
    for (const r of [reg, authReg]) {
      await store.ok(['login', '-u', 'tester', '-p', 'secret-pw', r.host], { env: { DOCKER_CONFIG: join(work, 'docker') } }).catch(() => '');
      for (const n of names.filter((x) => x === x.toLowerCase())) {
        await store.ok(['tag', 'local/base:1', `${r.host}/${n}:1`]);
        await store.ok(['push', `${r.host}/${n}:1`], { env: { DOCKER_CONFIG: join(work, 'docker') } });
      }
    }
  });

  afterAll(async () => {
    await Promise.all([reg?.stop(), authReg?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  it('lists the catalog names containing the term and says so on stderr', async () => {
    const b = await store.berth(['search', `${reg.host}/busybox`]);
    expect(b.code).toBe(0);
    expect(b.stderr).toBe(`${reg.host} has no search API: listing its catalog for repository names containing "busybox"\n`);
    expect(b.stdout).toBe(['NAME             DESCRIPTION   STARS     OFFICIAL', 'team/busybox-a                 0         ', 'team/busybox-b                 0         ', ''].join('\n'));
  });

  it('applies --limit and --format to catalog results', async () => {
    const out = await store.ok(['search', '--limit', '1', '--format', '{{.Name}}', `${reg.host}/team`]);
    expect(out).toBe('team/busybox-a\n');
  });

  it('reads the catalog of a registry that needs a login with the stored credentials', async () => {
    const anonymous = await store.berth(['search', `${authReg.host}/busybox`], { env: { DOCKER_CONFIG: join(work, 'nobody') } });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^Error: .*unauthorized/i);
    const out = await store.ok(['search', '--format', '{{.Name}}', `${authReg.host}/alp`], { env: { DOCKER_CONFIG: join(work, 'docker') } });
    expect(out).toBe('other/alpine\n');
  });
});

describe('berth search against berthd, which serves /v1/search', () => {
  let work: string;
  let berthd: Berthd;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'search-berthd-'));
    const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
    berthd = await startBerthd(join(work, 'served'));
    await store.ok(['import', tar, 'local/served:1']);
    for (const n of ['team/search-me', 'team/search-me-too', 'other/not-this']) {
      await store.ok(['tag', 'local/served:1', `${berthd.host}/${n}:1`]);
      await store.ok(['push', `${berthd.host}/${n}:1`]);
    }
  });

  afterAll(async () => {
    await berthd?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('uses the search API (nothing on stderr) and prints what docker search prints', async () => {
    const term = `${berthd.host}/search-me`;
    const d = await docker(['search', term]);
    const b = await store.berth(['search', term]);
    expect(d.code).toBe(0);
    expect(b.stderr).toBe('');
    expect(b.stdout).toBe(d.stdout);
    expect(b.stdout.split('\n').slice(1, -1).map((l) => l.split(' ')[0])).toEqual(['team/search-me', 'team/search-me-too']);
  });
});
