// The store is a real OCI image layout: skopeo reads it by tag, umoci unpacks the original files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, skopeo, umoci, HELLO_TXT } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';

let work: string;
let store: Store;
let rootfs: string;
let id: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oci-tools-'));
  rootfs = await busyboxRootfs(join(work, 'rootfs'));
  const tarPath = await rootfsTar(rootfs, join(work, 'rootfs.tar.gz'), { gzip: true });
  store = await newStore();
  id = (await store.ok(['import', tarPath, 'bb:1'])).trim();
  await store.ok(['tag', 'bb:1', 'localhost:5000/team/bb:2']);
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('skopeo reads the store', () => {
  it('inspects every tag by its full reference', async () => {
    for (const ref of ['docker.io/library/bb:1', 'localhost:5000/team/bb:2']) {
      const r = await skopeo(['inspect', `oci:${store.root}:${ref}`]);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout) as { Digest: string; Layers: string[]; Os: string };
      expect(info.Os).toBe('linux');
      expect(info.Layers).toHaveLength(1);
    }
    const cfg = await skopeo(['inspect', '--config', `oci:${store.root}:docker.io/library/bb:1`]);
    expect(cfg.code, cfg.stderr).toBe(0);
    // The config skopeo reads hashes to the image ID berth printed.
    const { createHash } = await import('node:crypto');
    const raw = await skopeo(['inspect', '--raw', '--config', `oci:${store.root}:docker.io/library/bb:1`]);
    expect(`sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`).toBe(id);
  });
});

describe('umoci unpacks a berth image', () => {
  it('gives back the original files', async () => {
    const bundle = join(work, 'bundle');
    const r = await umoci(['unpack', '--image', `${store.root}:docker.io/library/bb:1`, bundle]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8')).toBe(HELLO_TXT);
    expect(await readlink(join(bundle, 'rootfs', 'bin', 'sh'))).toBe(await readlink(join(rootfs, 'bin', 'sh')));
    const orig = await stat(join(rootfs, 'bin', 'busybox'));
    const unpacked = await stat(join(bundle, 'rootfs', 'bin', 'busybox'));
    expect(unpacked.size).toBe(orig.size);
    expect(unpacked.mode & 0o7777).toBe(orig.mode & 0o7777);
    expect(await readFile(join(bundle, 'rootfs', 'bin', 'busybox'))).toEqual(await readFile(join(rootfs, 'bin', 'busybox')));
  });
});
