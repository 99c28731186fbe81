// Docker is the oracle: the same images loaded into berth and into a real dockerd, the same commands
// run on both, and the outputs compared (listings, filters, formats, rmi and prune decisions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, startDockerd, type DockerPeer, type RunResult } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';

// A daemon of its own: `prune` and `dangling=true` see every image in a daemon, and the shared one
// holds other test files' images.
let peer: DockerPeer;
const docker = (args: string[]): Promise<RunResult> => peer.docker(args, { env: { DOCKER_BUILDKIT: '0' } });
async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

let work: string;
let store: Store;
const IMAGES = ['parity/base:1', 'parity/base:also', 'parity/app:1', 'parity/app:2', 'parity/other:x'];

async function build(ctx: string, tag: string, lines: string[]): Promise<void> {
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'Dockerfile'), `${lines.join('\n')}\n`);
  await dockerOk(['build', '-q', '-t', tag, ctx]);
}

beforeAll(async () => {
  peer = await startDockerd();
  work = await mkdtemp(join(tmpdir(), 'parity-'));
  const rootfs = await busyboxRootfs(join(work, 'rootfs'));
  const tarPath = await rootfsTar(rootfs, join(work, 'rootfs.tar'));
  await dockerOk(['import', '-c', 'LABEL tier=base', tarPath, 'parity/base:1']);
  await dockerOk(['tag', 'parity/base:1', 'parity/base:also']);
  // Distinct creation seconds keep Docker's newest-first order free of ties.
  await new Promise((r) => setTimeout(r, 1100));
  await build(join(work, 'app1'), 'parity/app:1', ['FROM parity/base:1', 'LABEL tier=app version=1', 'RUN echo one > /one.txt']);
  await new Promise((r) => setTimeout(r, 1100));
  await build(join(work, 'app2'), 'parity/app:2', ['FROM parity/app:1', 'LABEL version=2', 'RUN echo two > /two.txt && ln -s /two.txt /link']);
  await new Promise((r) => setTimeout(r, 1100));
  await build(join(work, 'other'), 'parity/other:x', ['FROM parity/base:1', 'ENV X=1', 'RUN mkdir -p /data && echo x > /data/x']);
  const archive = join(work, 'parity.tar');
  await dockerOk(['save', '-o', archive, ...IMAGES]);
  // docker's copy must not know parent chains berth cannot know: reload it from the same archive.
  await dockerOk(['rmi', ...IMAGES]);
  await dockerOk(['load', '-i', archive]);
  store = await newStore();
  await store.ok(['load', '-i', archive]);
});

afterAll(async () => {
  await peer?.stop();
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

async function same(args: string[]): Promise<string> {
  const theirs = await docker(args);
  const mine = await store.berth(args);
  expect({ out: mine.stdout, code: mine.code === 0 }, `berth ${args.join(' ')}: ${mine.stderr}`).toEqual({ out: theirs.stdout, code: theirs.code === 0 });
  return mine.stdout;
}

const ROW = '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.CreatedAt}}';

/**
 * `images --format ROW` with one image's rows in a fixed order. docker's CLI groups an image's tags
 * by repository in a Go map (imageFormatTaggedAndDigest), so an image tagged in two repositories
 * lists them in either order from one run to the next; the order of images is docker's and kept.
 */
function byImage(out: string): string {
  const rows = out.split('\n').filter((l) => l !== '');
  const groups: string[][] = [];
  for (const row of rows) {
    const id = row.split(' ')[1];
    const last = groups.at(-1);
    if (last && last[0]!.split(' ')[1] === id) last.push(row);
    else groups.push([row]);
  }
  return groups.map((g) => g.sort().join('\n')).join('\n');
}

describe('listings match docker', () => {
  it('images with a format, -q, --no-trunc and a repository argument', async () => {
    expect((await same(['images', '--format', ROW, 'parity/*'])).trim().split('\n')).toHaveLength(IMAGES.length);
    await same(['images', '-q', 'parity/app']);
    await same(['images', '--no-trunc', '--format', '{{.ID}} {{.Tag}}', 'parity/base']);
    // Whole JSON rows, bytes and key order, except the relative time that moves between the two calls.
    const json = ['images', '--format', '{{json .}}', 'parity/app:2'];
    const dropSince = (s: string) => s.replace(/"CreatedSince":"[^"]*",/, '');
    expect(dropSince(await store.ok(json))).toBe(dropSince(await dockerOk(json)));
    // The default table; only the relative CREATED text may move on between the two calls.
    const table = ['images', 'parity/app:1'];
    const settle = (s: string) => s.replace(/(\d+|Less than a) seconds? ago|About a minute ago|\d+ minutes ago/g, 'N ago').replace(/ +/g, ' ');
    expect(settle(await store.ok(table))).toBe(settle(await dockerOk(table)));
  });

  it('filters: reference, label, before, since, dangling', async () => {
    await same(['images', '--format', ROW, '--filter', 'reference=parity/app']);
    await same(['images', '--format', ROW, '--filter', 'reference=parity/*:1']);
    await same(['images', '--format', ROW, '--filter', 'label=tier=app']);
    await same(['images', '--format', ROW, '--filter', 'label=tier', 'parity/*']);
    await same(['images', '--format', ROW, '--filter', 'before=parity/app:2', 'parity/*']);
    await same(['images', '--format', ROW, '--filter', 'since=parity/app:1', 'parity/*']);
    await same(['images', '--format', ROW, '--filter', 'dangling=false', 'parity/*']);
    await same(['images', '--filter', 'bogus=1']);
  });

  it('table output with headers and custom table formats', async () => {
    await same(['images', '--format', 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}', 'parity/*']);
    await same(['images', '--format', 'table {{.ID}}', 'parity/app']);
  });

  it('history and inspect', async () => {
    for (const ref of ['parity/app:2', 'parity/other:x', 'parity/base:1']) {
      await same(['history', '--format', '{{.CreatedAt}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}', ref]);
      await same(['history', '-H=false', '--format', '{{.CreatedSince}} {{.Size}}', ref]);
      await same(['image', 'inspect', '-f', '{{.Id}} {{.RepoTags}} {{.Created}} {{.Size}} {{.Os}}/{{.Architecture}} {{json .Config.Labels}} {{.Config.Env}} {{index .Config.Labels "tier"}} {{json .Metadata}}', ref]);
      // docker's CLI types these (image.InspectResponse): Go's struct printing, omitempty JSON, `.ID`.
      await same(['image', 'inspect', '-f', '{{.ID}}|{{.Config}}|{{json .Config}}|{{.RootFS}}|{{json .RootFS}}|{{.Metadata}}|{{.ContainerConfig}}|{{.Descriptor}}|{{if .Config.Healthcheck}}hc{{end}}', ref]);
      // The whole response in the CLI's field order, but for the storage driver's own data.
      const withoutDriver = (out: string): string => JSON.stringify({ ...(JSON.parse(out) as object), GraphDriver: null });
      const whole = ['image', 'inspect', '-f', '{{json .}}', ref];
      expect(withoutDriver(await store.ok(whole))).toBe(withoutDriver(await dockerOk(whole)));
    }
  });

  it('system df: the same table as dockerd for the same images', async () => {
    // Build Cache is left out: dockerd's BuildKit keeps a cache of its own for the suite's builds.
    const table = (out: string): string[] => out.split('\n').filter((l) => l !== '' && !l.startsWith('Build Cache'));
    expect(table(await store.ok(['system', 'df']))).toEqual(table(await dockerOk(['system', 'df'])));
    const fmt = '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}';
    expect(table(await store.ok(['system', 'df', '--format', fmt]))).toEqual(table(await dockerOk(['system', 'df', '--format', fmt])));
  });

  it('errors for missing images', async () => {
    const theirs = await docker(['image', 'inspect', 'parity/nope']);
    const mine = await store.berth(['image', 'inspect', 'parity/nope']);
    expect(mine.code).not.toBe(0);
    expect(theirs.code).not.toBe(0);
    expect(mine.stderr).toContain('No such image: parity/nope');
  });
});

describe('rmi and prune decide as docker does', () => {
  it('untags, refuses and deletes with the same records', async () => {
    const rows = async (args: string[]) => {
      const theirs = await docker(args);
      const mine = await store.berth(args);
      expect(mine.code === 0, `berth ${args.join(' ')}: ${mine.stderr}`).toBe(theirs.code === 0);
      expect(mine.stdout).toBe(theirs.stdout);
      // Error text after docker's "Error response from daemon: " prefix.
      if (theirs.code !== 0) expect(mine.stderr.replace(/^Error: /, '')).toBe(theirs.stderr.replace(/^Error response from daemon: /, '').replace(/^Error: /, ''));
    };
    const baseId = (await dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'parity/base:1'])).trim().slice(7, 19);
    await rows(['rmi', baseId]); // two tags in one repository, but is it "single"? docker decides
    await rows(['rmi', 'parity/base:also']);
    await rows(['tag', 'parity/other:x', 'parity/app:2']); // app:2's old image becomes dangling
    await same(['images', '--format', ROW, '--filter', 'dangling=true']);
    await rows(['image', 'prune', '-f']);
    await rows(['rmi', 'parity/app:1', 'parity/nope:1']);
    // parity/app:2 and parity/other:x are now one image: docker lists its two repositories in either order.
    const listing = ['images', '--format', ROW, 'parity/*'];
    const [theirs, mine] = [await dockerOk(listing), await store.ok(listing)];
    expect(mine.split('\n').filter((l) => l !== '')).toHaveLength(3);
    expect(byImage(mine)).toBe(byImage(theirs));
  });
});
