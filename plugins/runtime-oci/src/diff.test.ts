import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeLayer } from '@berth/core';
import { busyboxRootfs, rootfsTar, umoci } from '@berth/testkit';
import { openOciRuntime } from './runtime.js';
import { fileLayer, listTar, ociLayout, readAll, runIn, spec, tempDir, treeListing } from './fixtures.test-support.js';

const CHANGES = [
  'echo new > /data/new', 'ln /data/new /data/new2', 'echo changed > /data/mod', 'rm /data/del', 'chmod 700 /data/keep',
  'rm -rf /opq', 'mkdir /opq', 'echo z > /opq/z', 'ln -s ../data/new /opq/link',
].join(' && ');
// Mount points the runtime adds below the container's layer (bind-mounted etc files).
const INIT_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

let dir: string;
let base: RuntimeLayer;
let baseTar: string;

beforeAll(async () => {
  dir = await tempDir('diff');
  const root = await busyboxRootfs(join(dir, 'base'));
  await mkdir(join(root, 'data'));
  await mkdir(join(root, 'opq/sub'), { recursive: true });
  for (const f of ['data/keep', 'data/mod', 'data/del', 'opq/x', 'opq/sub/y']) await writeFile(join(root, f), `${f}\n`);
  baseTar = await rootfsTar(root, join(dir, 'base.tar'));
  base = await fileLayer(baseTar);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(['overlay', 'copy'] as const)('diff with the %s snapshotter', (snapshotter) => {
  let n = 0;
  const runtime = () => openOciRuntime({ root: join(dir, `store-${snapshotter}`), snapshotter });

  it('adds, modifies, deletes and replaces a directory; umoci applying base + diff sees the container\'s tree', async () => {
    const rootfs = await (await runtime()).rootfs(`${snapshotter}-${++n}`, [base]);
    try {
      expect(rootfs.snapshotter).toBe(snapshotter);
      expect(await runIn(rootfs, spec(['sh', '-c', CHANGES]))).toMatchObject({ exitCode: 0 });
      const tar = await readAll(rootfs.diff());
      const entries = await listTar(tar);
      const names = entries.map((e) => e.name);
      const replaced = snapshotter === 'overlay' ? ['opq/.wh..wh..opq'] : ['opq/.wh.sub', 'opq/.wh.x'];
      expect(names).toEqual(['data/', 'data/.wh.del', 'data/keep', 'data/mod', 'data/new', 'data/new2', 'opq/', ...replaced, 'opq/link', 'opq/z']);
      expect(entries.find((e) => e.name === 'data/new2')).toMatchObject({ type: 'link', linkname: 'data/new' });
      expect(entries.find((e) => e.name === 'data/keep')).toMatchObject({ mode: 0o700, body: 'data/keep\n' });
      expect(entries.find((e) => e.name === 'opq/link')).toMatchObject({ type: 'symlink', linkname: '../data/new' });
      // The peer: umoci unpacks the base and our diff as an image; its rootfs is the container's.
      const diffTar = join(dir, `diff-${snapshotter}.tar`);
      await writeFile(diffTar, tar);
      const layout = await ociLayout(join(dir, `layout-${snapshotter}`), [baseTar, diffTar]);
      const bundle = join(dir, `bundle-${snapshotter}`);
      const unpacked = await umoci(['unpack', '--image', `${layout}:latest`, bundle]);
      expect(unpacked.stderr).not.toMatch(/error/i);
      expect(await treeListing(join(bundle, 'rootfs'))).toEqual(await treeListing(rootfs.path, { except: INIT_FILES }));
    } finally {
      await rootfs.remove();
    }
  });

  it('equal changes give equal layer bytes (SOURCE_DATE_EPOCH clamps every mtime)', async () => {
    const rt = await runtime();
    const tars: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      const rootfs = await rt.rootfs(`${snapshotter}-same-${++n}`, [base]);
      try {
        await runIn(rootfs, spec(['sh', '-c', CHANGES]));
        tars.push(await readAll(rootfs.diff({ sourceDateEpoch: 1_000_000 })));
      } finally {
        await rootfs.remove();
      }
    }
    expect(tars[0]!.equals(tars[1]!)).toBe(true);
    expect((await listTar(tars[0]!)).filter((e) => !e.name.includes('.wh.')).every((e) => e.mtime <= 1_000_000)).toBe(true);
  });

  it('remove() deletes the container\'s files and keeps the cached layers', async () => {
    const rt = await runtime();
    const rootfs = await rt.rootfs(`${snapshotter}-rm-${++n}`, [base]);
    await runIn(rootfs, spec(['touch', '/x']));
    await rootfs.remove();
    await expect(lstat(join(rt.runtimeDir, 'containers', rootfs.id))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(join(rt.runtimeDir, 'layers'))).length).toBe(1);
  });
});

it('both snapshotters give byte-identical layers when no directory is replaced', async () => {
  const tars: Buffer[] = [];
  for (const snapshotter of ['overlay', 'copy'] as const) {
    const rootfs = await (await openOciRuntime({ root: join(dir, `store-${snapshotter}`), snapshotter })).rootfs(`same-${snapshotter}`, [base]);
    try {
      await runIn(rootfs, spec(['sh', '-c', 'echo a > /data/new && ln /data/new /data/n2 && echo b > /data/mod && rm /data/del && mkdir -p /new/deep && echo c > /new/deep/f']));
      tars.push(await readAll(rootfs.diff({ sourceDateEpoch: 0 })));
    } finally {
      await rootfs.remove();
    }
  }
  expect((await listTar(tars[1]!)).map((e) => e.name)).toEqual((await listTar(tars[0]!)).map((e) => e.name));
  expect(tars[1]!.equals(tars[0]!)).toBe(true);
});

it.each(['overlay', 'copy'] as const)('a second rootfs() with the same id reopens the %s container with its changes', async (snapshotter) => {
  const rt = await openOciRuntime({ root: join(dir, `store-reopen-${snapshotter}`), snapshotter });
  const first = await rt.rootfs('reopen', [base]);
  try {
    await runIn(first, spec(['sh', '-c', 'echo kept > /kept']));
    // Another process (a fresh runtime object) finds the same files, mounted once.
    const again = await (await openOciRuntime({ root: join(dir, `store-reopen-${snapshotter}`), snapshotter })).rootfs('reopen', [base]);
    expect(again.path).toBe(first.path);
    expect((await runIn(again, spec(['cat', '/kept']))).stdout).toBe('kept\n');
    expect((await listTar(await readAll(again.diff()))).map((e) => e.name)).toEqual(['kept']);
    if (snapshotter === 'overlay') {
      const { readFile } = await import('node:fs/promises');
      const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.split(' ')[4] === first.path);
      expect(mounts.length).toBe(1);
    }
  } finally {
    await first.remove();
  }
});

it.each(['overlay', 'copy'] as const)('an image without layers (FROM scratch) gives a %s rootfs with only the mount points, an empty diff and 127 for a missing shell', async (snapshotter) => {
  const rt = await openOciRuntime({ root: join(dir, `store-scratch-${snapshotter}`), snapshotter });
  const rootfs = await rt.rootfs('scratch', []);
  try {
    expect((await readdir(rootfs.path)).sort()).toEqual(['dev', 'etc', 'proc', 'sys']);
    expect(await readAll(rootfs.diff())).toEqual(Buffer.alloc(1024));
    await expect(runIn(rootfs, spec(['/bin/sh', '-c', 'true']))).rejects.toMatchObject({ exitCode: 127 });
  } finally {
    await rootfs.remove();
  }
});

it('unset, the snapshotter is overlay where it mounts and falls back to copy where it cannot (a store on overlayfs)', async () => {
  const { spawnSync } = await import('node:child_process');
  const outer = join(dir, 'outer');
  for (const d of ['l', 'u', 'w', 'm']) await mkdir(join(outer, d), { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${outer}/l,upperdir=${outer}/u,workdir=${outer}/w`, `${outer}/m`]);
  expect(mounted.status, mounted.stderr.toString()).toBe(0);
  const saved = process.env['BERTH_RUNTIME_SNAPSHOTTER'];
  delete process.env['BERTH_RUNTIME_SNAPSHOTTER'];
  try {
    const onExt4 = await (await openOciRuntime({ root: join(dir, 'store-auto') })).rootfs('auto', [base]);
    expect(onExt4.snapshotter).toBe('overlay');
    await onExt4.remove();
    // overlayfs cannot be an upper layer of another overlay: the mount fails and copy takes over.
    const nested = await (await openOciRuntime({ root: join(outer, 'm', 'store') })).rootfs('auto', [base]);
    try {
      expect(nested.snapshotter).toBe('copy');
      await runIn(nested, spec(['sh', '-c', 'echo n > /n']));
      expect((await listTar(await readAll(nested.diff()))).map((e) => e.name)).toEqual(['n']);
    } finally {
      await nested.remove();
    }
  } finally {
    if (saved !== undefined) process.env['BERTH_RUNTIME_SNAPSHOTTER'] = saved;
    spawnSync('umount', [`${outer}/m`]);
  }
});
