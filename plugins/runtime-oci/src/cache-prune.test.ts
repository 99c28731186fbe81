// Pruning the unpack cache with both snapshotters: what a container stands on stays, the rest of a
// removed image's chain goes (layers, init layer, merged tree, short links), and a later rootfs
// over the same layers unpacks them again and runs.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainIds, type RuntimeLayer } from '@berth/core';
import { rootfsTar } from '@berth/testkit';
import { openOciRuntime } from './runtime.js';
import { busyboxLayer, fileLayer, listTar, readAll, runIn, spec, tempDir } from './fixtures.test-support.js';

const names = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();

describe.each(['overlay', 'copy'] as const)('pruning the unpack cache (%s)', (snapshotter) => {
  let dir: string;
  let base: RuntimeLayer;
  let extra: RuntimeLayer;

  beforeAll(async () => {
    dir = await tempDir(`prune-${snapshotter}`);
    base = (await busyboxLayer(dir)).layer;
    const tree = join(dir, 'extra');
    await mkdir(tree);
    await writeFile(join(tree, 'extra.txt'), 'on top\n');
    extra = await fileLayer(await rootfsTar(tree, join(dir, 'extra.tar')));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps what a container and the kept chains use, deletes the rest, and unpacks again on demand', async () => {
    const runtime = await openOciRuntime({ root: join(dir, 'store'), snapshotter });
    const [bottom, top] = chainIds([base.diffID, extra.diffID]) as [string, string];
    const layersDir = join(runtime.runtimeDir, 'layers');
    const c1 = await runtime.rootfs(`prune-${snapshotter}-1`, [base, extra]);
    expect(c1.snapshotter).toBe(snapshotter);
    const both = [bottom, top].map((c) => c.replace(':', '-')).sort();
    expect(await names(layersDir)).toEqual(both);

    // Nothing kept by the caller (the image was force-removed), but the container stands on it:
    // overlay on the layer directories, copy on the merged tree only (its own copy is the rest).
    const first = await runtime.pruneCache(new Set());
    if (snapshotter === 'overlay') {
      expect(first).toEqual({ layers: 0, bytes: 0 });
      expect(await names(layersDir)).toEqual(both);
    } else {
      expect(first.layers).toBe(2);
      expect(await names(layersDir)).toEqual([]);
      expect(await names(join(runtime.runtimeDir, 'merged'))).toEqual([top.replace(':', '-')]);
    }
    expect((await runIn(c1, spec(['sh', '-c', 'cat /extra.txt; echo new > /new.txt']))).stdout).toBe('on top\n');
    // The diff still reads against what the container stands on: only its own change.
    expect((await listTar(await readAll(c1.diff()))).map((e) => e.name)).toEqual(['new.txt']);

    await c1.remove();
    if (snapshotter === 'copy') await runtime.rootfs(`prune-${snapshotter}-0`, [base, extra]).then((c) => c.remove());
    const pruned = await runtime.pruneCache(new Set([bottom as `sha256:${string}`]));
    expect(pruned.layers).toBe(1);
    expect(pruned.bytes).toBeGreaterThanOrEqual('on top\n'.length);
    expect(await names(layersDir)).toEqual([bottom.replace(':', '-')]);
    for (const d of ['init', 'merged']) expect(await names(join(runtime.runtimeDir, d))).not.toContain(top.replace(':', '-'));
    // No short link is left pointing at a deleted layer, and nothing is left in tmp/.
    for (const l of await names(join(runtime.runtimeDir, 'l'))) expect(await readdir(join(runtime.runtimeDir, 'l', l)).then(() => true, () => false), l).toBe(true);
    expect(await names(join(runtime.runtimeDir, 'tmp'))).toEqual([]);

    const c2 = await runtime.rootfs(`prune-${snapshotter}-2`, [base, extra]);
    try {
      expect((await runIn(c2, spec(['cat', '/extra.txt']))).stdout).toBe('on top\n');
    } finally {
      await c2.remove();
    }
    // Everything, once nothing needs it.
    expect((await runtime.pruneCache(new Set())).layers).toBe(2);
    expect(await names(layersDir)).toEqual([]);
  });
});
