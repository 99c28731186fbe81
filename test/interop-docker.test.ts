// Interop with the real Docker engine: what berth saves, docker loads and runs; what docker saves,
// berth loads and describes exactly as docker does (IDs, tags, Created, Size, history rows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { busyboxRootfs, rootfsTar, HELLO_TXT } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { docker, dockerOk } from './support/docker.js';

let work: string;
let rootfsTarPath: string;
let store: Store;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'interop-'));
  const rootfs = await busyboxRootfs(join(work, 'rootfs'));
  rootfsTarPath = await rootfsTar(rootfs, join(work, 'rootfs.tar'));
  store = await newStore();
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('berth save → docker load', () => {
  it('runs an image berth imported and saved', async () => {
    const id = (await store.ok(['import', '-c', 'CMD ["cat", "/hello.txt"]', rootfsTarPath, 'interop/bsave:1'])).trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    const archive = join(work, 'bsave.tar');
    await store.ok(['save', '-o', archive, 'interop/bsave:1']);
    const loaded = await dockerOk(['load', '-i', archive]);
    expect(loaded).toContain('Loaded image: interop/bsave:1');
    const dockerId = (await dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'interop/bsave:1'])).trim();
    expect(dockerId).toBe(id);
    const out = await dockerOk(['run', '--rm', '--network', 'none', 'interop/bsave:1']);
    expect(out).toBe(HELLO_TXT);
    const sh = await dockerOk(['run', '--rm', '--network', 'none', 'interop/bsave:1', 'sh', '-c', 'echo from-sh']);
    expect(sh).toBe('from-sh\n');
  });

  it('saves several images with a shared layer once, and docker loads them all', async () => {
    await store.ok(['import', rootfsTarPath, 'interop/multi-a:1']);
    await store.ok(['import', '-m', 'second', rootfsTarPath, 'interop/multi-b:2']);
    const archive = join(work, 'multi.tar');
    await store.ok(['save', '-o', archive, 'interop/multi-a:1', 'interop/multi-b:2']);
    const listing = (await import('node:child_process')).execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
    const layerBlobs = listing.filter((n) => n.startsWith('blobs/sha256/'));
    // one shared layer + two configs + two manifests (+ the OCI index's manifests live in blobs too)
    expect(new Set(layerBlobs).size).toBe(layerBlobs.length);
    const out = await dockerOk(['load', '-i', archive]);
    expect(out).toContain('Loaded image: interop/multi-a:1');
    expect(out).toContain('Loaded image: interop/multi-b:2');
  });
});

describe('docker save → berth load', () => {
  const fmtImages = '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedAt}} {{.Size}}';
  const fmtHistory = '{{.ID}}|{{.CreatedAt}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}';

  beforeAll(async () => {
    await dockerOk(['import', '-c', 'ENV A=b', rootfsTarPath, 'dsave/base:1']);
    const ctx = join(work, 'ctx');
    await (await import('node:fs/promises')).mkdir(ctx, { recursive: true });
    await writeFile(join(ctx, 'Dockerfile'), [
      'FROM dsave/base:1',
      'LABEL org.example.k="v"',
      'ENV PATH=/bin',
      'RUN echo built > /built.txt && mkdir -p /data && ln -s /built.txt /data/link',
      'WORKDIR /data',
      'CMD ["cat", "/built.txt"]',
      '',
    ].join('\n'));
    await dockerOk(['build', '-q', '-t', 'dsave/app:2', '-t', 'dsave/app:latest', ctx]);
  });

  it('loads docker save output and shows the same images, inspect and history as docker', async () => {
    const archive = join(work, 'dsave.tar');
    await dockerOk(['save', '-o', archive, 'dsave/base:1', 'dsave/app:2', 'dsave/app:latest']);
    const out = await store.ok(['load', '-i', archive]);
    expect(out).toContain('Loaded image: dsave/app:2');
    for (const ref of ['dsave/base:1', 'dsave/app:2', 'dsave/app:latest']) {
      const mine = await store.ok(['images', '--format', fmtImages, ref]);
      const theirs = await dockerOk(['images', '--format', fmtImages, ref]);
      expect(mine).toBe(theirs);
      const fields = '{{.Id}} {{json .RepoTags}} {{.Created}} {{.Size}} {{json .Config}} {{json .RootFS}}';
      expect(await store.ok(['image', 'inspect', '-f', fields, ref])).toBe(await dockerOk(['image', 'inspect', '-f', fields, ref]));
      expect(await store.ok(['history', '--format', fmtHistory, '--no-trunc', ref])).toBe(
        // docker knows intermediate images that berth never saw: compare rows by what was saved
        (await dockerOk(['history', '--format', fmtHistory, '--no-trunc', ref])).replace(/^sha256:[a-f0-9]{64}\|/gm, (m, off, all: string) => (off === 0 ? m : '<missing>|')),
      );
    }
    // The human table agrees too, but for the relative CREATED text (and the column widths it sets),
    // which may move on between the two calls.
    const settle = (s: string) => s.replace(/(\d+|Less than a) seconds? ago|About a minute ago|\d+ minutes ago/g, 'N ago').replace(/ +/g, ' ');
    expect(settle(await store.ok(['images', 'dsave/app']))).toBe(settle(await dockerOk(['images', 'dsave/app'])));
  });

  it('runs what it loaded after a round trip back into docker', async () => {
    const archive = join(work, 'roundtrip.tar');
    await store.ok(['save', '-o', archive, 'dsave/app:2']);
    await dockerOk(['rmi', 'dsave/app:2']);
    await dockerOk(['load', '-i', archive]);
    expect(await dockerOk(['run', '--rm', '--network', 'none', 'dsave/app:2'])).toBe('built\n');
    // The symlink survived both trips: reading through it gives the file's content.
    const r = await docker(['run', '--rm', '--network', 'none', 'dsave/app:2', 'cat', '/data/link']);
    expect(r.stdout, r.stderr).toBe('built\n');
  });
});

describe('compressed archives, as docker reads them', () => {
  const compress = (tool: string, file: string): string => {
    const out = `${file}.${tool}`;
    execFileSync('sh', ['-c', `${tool} -c -q "$1" > "$2"`, 'sh', file, out]);
    return out;
  };

  it('load: xz and bzip2 archives give the images docker loads from them; zstd the uncompressed one', async () => {
    await dockerOk(['import', '-c', 'LABEL z=1', rootfsTarPath, 'zsave/base:1']);
    const id = (await dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'zsave/base:1'])).trim();
    const archive = join(work, 'zsave.tar');
    await dockerOk(['save', '-o', archive, 'zsave/base:1']);
    for (const tool of ['xz', 'bzip2']) {
      const packed = compress(tool, archive);
      await dockerOk(['rmi', 'zsave/base:1']);
      expect(await dockerOk(['load', '-i', packed])).toContain('Loaded image: zsave/base:1');
      expect((await dockerOk(['image', 'inspect', '-f', '{{.Id}}', 'zsave/base:1'])).trim()).toBe(id);
      await store.berth(['rmi', 'zsave/base:1']);
      expect(await store.ok(['load', '-i', packed])).toBe('Loaded image: zsave/base:1\n');
      expect((await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'zsave/base:1'])).trim()).toBe(id);
    }
    // dockerd 20.10 cannot read zstd archives (docker 23 can); berth reads them as the plain one.
    await store.ok(['rmi', 'zsave/base:1']);
    const { readFile } = await import('node:fs/promises');
    expect((await store.berth(['load'], { input: await readFile(compress('zstd', archive)) })).stdout).toBe('Loaded image: zsave/base:1\n');
    expect((await store.ok(['image', 'inspect', '-f', '{{.Id}}', 'zsave/base:1'])).trim()).toBe(id);
  });

  it('import: xz and bzip2 tarballs give the layer docker imports from them', async () => {
    for (const tool of ['xz', 'bzip2']) {
      const packed = compress(tool, rootfsTarPath);
      await dockerOk(['import', packed, `zimport/${tool}:1`]);
      await store.ok(['import', packed, `zimport/${tool}:1`]);
      const fields = '{{json .RootFS}} {{.Size}}';
      expect(await store.ok(['image', 'inspect', '-f', fields, `zimport/${tool}:1`])).toBe(await dockerOk(['image', 'inspect', '-f', fields, `zimport/${tool}:1`]));
    }
  });

  it('a truncated xz archive is refused in one line and loads nothing', async () => {
    const archive = join(work, 'zsave.tar');
    const packed = compress('xz', archive);
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(packed);
    const before = await store.ok(['images', '-a', '-q']);
    const r = await store.berth(['load'], { input: bytes.subarray(0, Math.floor(bytes.length / 2)) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: archive: corrupt or truncated xz stream \(xz: .*\)\n$/);
    expect(await store.ok(['images', '-a', '-q'])).toBe(before);
  });
});

