// The same container changes made by dockerd (overlay2) and by runtime-oci: `docker commit`'s
// layer and ours name the same entries (whiteouts, opaque directory, hard link), and the
// container filesystems (`docker export`) are the same tree.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar, run, startDockerd, type DockerPeer } from '@berth/testkit';
import { openOciRuntime } from './runtime.js';
import { fileLayer, listTar, readAll, runIn, spec, tempDir, treeListing } from './fixtures.test-support.js';

const CHANGES = [
  'echo new > /data/new', 'ln /data/new /data/new2', 'echo changed > /data/mod', 'rm /data/del', 'chmod 700 /data/keep',
  'rm -rf /opq', 'mkdir /opq', 'echo z > /opq/z', 'mkdir -p /made/deep', 'echo f > /made/deep/f',
].join(' && ');
// What Docker adds to every container and we bind-mount or leave to the runtime.
const DOCKER_ONLY = ['.dockerenv', 'dev', 'proc', 'sys', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab'];

describe('runtime-oci against dockerd', () => {
  let dir: string;
  let docker: DockerPeer;
  let baseTar: string;

  beforeAll(async () => {
    dir = await tempDir('docker');
    const root = await busyboxRootfs(join(dir, 'base'));
    await mkdir(join(root, 'data'));
    await mkdir(join(root, 'opq/sub'), { recursive: true });
    for (const f of ['data/keep', 'data/mod', 'data/del', 'opq/x', 'opq/sub/y']) await writeFile(join(root, f), `${f}\n`);
    baseTar = await rootfsTar(root, join(dir, 'base.tar'));
    docker = await startDockerd();
  }, 120_000);
  afterAll(async () => {
    await docker?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('docker commit\'s layer and our overlay diff hold the same entries; docker export and our rootfs are the same tree', async () => {
    expect((await docker.docker(['import', baseTar, 'rt-base:1'])).code).toBe(0);
    const ran = await docker.docker(['run', '--name', 'c1', '--network', 'none', 'rt-base:1', 'sh', '-c', CHANGES]);
    expect(ran).toMatchObject({ code: 0 });
    expect((await docker.docker(['commit', 'c1', 'rt-committed:1'])).code).toBe(0);
    const saved = join(dir, 'saved');
    await mkdir(saved);
    expect((await docker.docker(['save', '-o', join(dir, 'saved.tar'), 'rt-committed:1'])).code).toBe(0);
    await run('tar', ['-xf', join(dir, 'saved.tar'), '-C', saved]);
    const manifest = JSON.parse(await readFile(join(saved, 'manifest.json'), 'utf8')) as Array<{ Layers: string[] }>;
    const dockerLayer = await listTar(await readFile(join(saved, manifest[0]!.Layers.at(-1)!)));

    const rt = await openOciRuntime({ root: join(dir, 'store'), snapshotter: 'overlay' });
    const rootfs = await rt.rootfs('vs-docker', [await fileLayer(baseTar)]);
    try {
      expect(await runIn(rootfs, spec(['sh', '-c', CHANGES]))).toMatchObject({ exitCode: 0 });
      const ours = await listTar(await readAll(rootfs.diff()));
      const names = (entries: typeof ours) => entries.map((e) => e.name.replace(/\/$/, '')).sort();
      expect(names(ours)).toEqual(names(dockerLayer));
      for (const e of ours) {
        const d = dockerLayer.find((x) => x.name.replace(/\/$/, '') === e.name.replace(/\/$/, ''))!;
        // Go's archive/tar also puts the file type bits (040000) in the mode field; the permissions must agree.
        expect({ name: e.name, type: e.type, mode: e.mode & 0o7777, body: e.body, linkname: e.linkname }).toEqual({ name: e.name, type: d.type, mode: d.mode & 0o7777, body: d.body, linkname: d.linkname });
      }

      const exported = join(dir, 'exported');
      await mkdir(exported);
      const ex = await docker.docker(['export', '-o', join(dir, 'export.tar'), 'c1']);
      expect(ex.code).toBe(0);
      await run('tar', ['-xf', join(dir, 'export.tar'), '-C', exported]);
      const strip = (t: Record<string, unknown>) => Object.fromEntries(Object.entries(t).filter(([p]) => !DOCKER_ONLY.some((x) => p === x || p.startsWith(`${x}/`))));
      expect(strip(await treeListing(rootfs.path))).toEqual(strip(await treeListing(exported)));
    } finally {
      await rootfs.remove();
    }
  }, 180_000);
});
