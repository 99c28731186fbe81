// Where a container's files live. overlay: the cached layers as lowerdirs, the container's
// upper/work under containers/<id>/; its diff is the upper dir. copy: the layers applied once into
// merged/<chainID>, copied per container; its diff compares the copy with that tree.
import { spawn } from 'node:child_process';
import { lstatSync, type Stats } from 'node:fs';
import { chmod, readFile, readlink, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BerthError } from '@berth/core';
import { treeChanges, upperChanges, type Change } from './changes.js';
import { presentInLayers, presentInTree, writeInitEntries } from './init-layer.js';
import { exists, makeTemp, publishDir } from './layer-cache.js';
import { applyTree } from './tree-copy.js';

export type SnapshotterName = 'overlay' | 'copy';

export interface Snapshot {
  readonly kind: SnapshotterName;
  /** The container's root filesystem on the host. */
  readonly path: string;
  changes(): Promise<Change[]>;
  /** What the image (the layers below the container) has at `rel`, if anything. */
  lowerStat(rel: string): Stats | undefined;
  /** Unmounts and deletes the container's own files. */
  remove(): Promise<void>;
  /** Set when overlay was wanted (not demanded) but could not mount, so copy took over. */
  fellBack?: boolean;
}

/** What a container directory remembers about its snapshot, so a reopen finds the same lowers. */
interface SnapshotRecord {
  kind: SnapshotterName;
  /** overlay: lowerdirs relative to the runtime dir, top first. copy: the lower tree. */
  lowers: string[];
}

/** overlay when BERTH_RUNTIME_SNAPSHOTTER says so or, unset, when the kernel has it and we are root. */
export async function chooseSnapshotter(env = process.env['BERTH_RUNTIME_SNAPSHOTTER']): Promise<{ name: SnapshotterName; explicit: boolean }> {
  if (env === 'overlay' || env === 'copy') return { name: env, explicit: true };
  if (env !== undefined && env !== '') throw new BerthError('ERR_BERTH_CONFIG', `BERTH_RUNTIME_SNAPSHOTTER must be "overlay" or "copy", not "${env}"`);
  const fs = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  const overlay = /\toverlay\n/.test(fs) && process.getuid?.() === 0;
  return { name: overlay ? 'overlay' : 'copy', explicit: false };
}

export interface SnapshotContext {
  runtimeDir: string;
  containerDir: string;
  /** Cached layer directories and chainIDs, bottom first. */
  layerDirs: string[];
  topChain: string;
}

export async function openSnapshot(ctx: SnapshotContext, wanted: { name: SnapshotterName; explicit: boolean }): Promise<Snapshot> {
  const recordFile = join(ctx.containerDir, 'snapshot.json');
  const saved = await readFile(recordFile, 'utf8').then((t) => JSON.parse(t) as SnapshotRecord, () => undefined);
  if (saved) return saved.kind === 'overlay' ? mountOverlay(ctx, saved.lowers) : new CopySnapshot(ctx, saved.lowers[0]!);
  await mkdir(ctx.containerDir, { recursive: true });
  let record: SnapshotRecord;
  let snapshot: Snapshot;
  if (wanted.name === 'overlay') {
    try {
      const lowers = await overlayLowers(ctx);
      snapshot = await mountOverlay(ctx, lowers);
      record = { kind: 'overlay', lowers };
    } catch (err) {
      if (wanted.explicit) throw err;
      await rm(ctx.containerDir, { recursive: true, force: true });
      return Object.assign(await openSnapshot(ctx, { name: 'copy', explicit: true }), { fellBack: true });
    }
  } else {
    const lower = await mergedTree(ctx);
    const rootfs = join(ctx.containerDir, 'rootfs');
    await mkdir(rootfs, { mode: 0o755 });
    await applyTree(lower, rootfs, { layer: false });
    snapshot = new CopySnapshot(ctx, lower);
    record = { kind: 'copy', lowers: [lower] };
  }
  await writeFile(recordFile, JSON.stringify(record));
  return snapshot;
}

/** The init layer and short links to the layers, relative to the runtime dir (mount's cwd), top first. */
async function overlayLowers(ctx: SnapshotContext): Promise<string[]> {
  const topFirst = [...ctx.layerDirs].reverse();
  const init = join(ctx.runtimeDir, 'init', ctx.topChain);
  if (!(await exists(init))) {
    const tmp = await makeTemp(join(ctx.runtimeDir, 'tmp'), 'init');
    try {
      await writeInitEntries(tmp, (rel) => presentInLayers(topFirst, rel));
      await chmod(tmp, 0o755);
      await publishDir(tmp, init);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  // Short names keep many lowerdirs inside mount(2)'s one-page option limit (as Docker's l/ links).
  await mkdir(join(ctx.runtimeDir, 'l'), { recursive: true });
  const lowers = [relative(ctx.runtimeDir, init)];
  for (const dir of topFirst) {
    const short = join('l', dir.slice(dir.lastIndexOf('-') + 1, dir.lastIndexOf('-') + 13));
    const target = relative(join(ctx.runtimeDir, 'l'), dir);
    await symlink(target, join(ctx.runtimeDir, short)).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
      // Two chainIDs sharing 48 bits would need a longer name; refuse rather than mount the wrong layer.
      if ((await readlink(join(ctx.runtimeDir, short))) !== target) throw new BerthError('ERR_STORE_CORRUPT', `${short} names another layer than ${dir}`);
    });
    lowers.push(short);
  }
  return lowers;
}

async function mountOverlay(ctx: SnapshotContext, lowers: string[]): Promise<Snapshot> {
  const c = relative(ctx.runtimeDir, ctx.containerDir);
  const merged = join(ctx.containerDir, 'merged');
  for (const d of ['upper', 'work', 'merged']) await mkdir(join(ctx.containerDir, d), { recursive: true, mode: 0o755 });
  if (!(await isMountPoint(merged))) {
    // redirect_dir and metacopy off: the upper dir must describe every change by itself (Docker's native diff needs the same).
    const options = `lowerdir=${lowers.join(':')},upperdir=${c}/upper,workdir=${c}/work,index=off,redirect_dir=off,metacopy=off`;
    if (options.length > 4000) throw new BerthError('ERR_UNSUPPORTED', `too many layers for one overlay mount (${lowers.length - 1})`);
    await exec('mount', ['-t', 'overlay', 'overlay', '-o', options, merged], ctx.runtimeDir);
  }
  const upper = join(ctx.containerDir, 'upper');
  return {
    kind: 'overlay',
    path: merged,
    changes: () => upperChanges(upper),
    lowerStat: (rel) => {
      const found = presentInLayers(lowers.map((l) => join(ctx.runtimeDir, l)), rel);
      return found && lstatSync(found.abs, { throwIfNoEntry: false });
    },
    remove: async () => {
      if (await isMountPoint(merged)) await exec('umount', [merged], ctx.runtimeDir).catch(() => exec('umount', ['-l', merged], ctx.runtimeDir));
      await rm(ctx.containerDir, { recursive: true, force: true });
    },
  };
}

class CopySnapshot implements Snapshot {
  readonly kind = 'copy';
  readonly path: string;
  constructor(private readonly ctx: SnapshotContext, private readonly lower: string) {
    this.path = join(ctx.containerDir, 'rootfs');
  }
  changes(): Promise<Change[]> {
    return treeChanges(this.path, this.lower);
  }
  lowerStat(rel: string): Stats | undefined {
    return lstatSync(join(this.lower, rel), { throwIfNoEntry: false });
  }
  async remove(): Promise<void> {
    await rm(this.ctx.containerDir, { recursive: true, force: true });
  }
}

/** The layers applied in order, plus the init mount points, once per chain (a vfs-style full tree). */
async function mergedTree(ctx: SnapshotContext): Promise<string> {
  const dir = join(ctx.runtimeDir, 'merged', ctx.topChain);
  if (await exists(dir)) return dir;
  const tmp = await makeTemp(join(ctx.runtimeDir, 'tmp'), 'merged');
  try {
    for (const layer of ctx.layerDirs) await applyTree(layer, tmp, { layer: true });
    await writeInitEntries(tmp, (rel) => presentInTree(tmp, rel));
    await chmod(tmp, 0o755);
    await publishDir(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

async function isMountPoint(path: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  return info.split('\n').some((line) => line.split(' ')[4] === escaped);
}

function exec(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', (e) => reject(new BerthError('ERR_UNSUPPORTED', `cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new BerthError('ERR_IO', `${cmd} ${args.join(' ')}: ${err.trim() || `exit ${code}`}`))));
  });
}
