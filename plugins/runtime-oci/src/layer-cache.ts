// The unpack cache: each layer is unpacked once, in overlay form, under layers/<chainID>, and
// shared by every rootfs above it. Two processes preparing one chain each unpack into a private
// temporary directory; the first rename wins and the other's copy is thrown away.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chainIds, openUncompressed, verifyDigest, type Digest, type RuntimeLayer } from '@berth/core';
import { unpackLayer } from './unpack.js';

export class LayerCache {
  readonly layersDir: string;
  readonly tmpDir: string;

  constructor(readonly runtimeDir: string) {
    this.layersDir = join(runtimeDir, 'layers');
    this.tmpDir = join(runtimeDir, 'tmp');
  }

  dirOf(chainID: Digest): string {
    return join(this.layersDir, chainID.replace(':', '-'));
  }

  /** Unpacks what is missing and returns the chainIDs and directories, bottom first. */
  async prepare(layers: readonly RuntimeLayer[], signal?: AbortSignal): Promise<{ chainIDs: Digest[]; dirs: string[] }> {
    await this.sweepOnce();
    const chainIDs = chainIds(layers.map((l) => l.diffID));
    const dirs = chainIDs.map((c) => this.dirOf(c));
    for (const [i, layer] of layers.entries()) {
      if (await exists(dirs[i]!)) continue;
      await this.unpack(layer, dirs[i]!, dirs.slice(0, i).reverse(), signal);
    }
    return { chainIDs, dirs };
  }

  private swept = false;

  /** Temporary directories a killed process left (older than a day: no live unpack is that slow). */
  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    const dayAgo = Date.now() - 24 * 3600_000;
    for (const name of names) {
      const st = await stat(join(this.tmpDir, name)).catch(() => undefined);
      if (st && st.mtimeMs < dayAgo) await rm(join(this.tmpDir, name), { recursive: true, force: true });
    }
  }

  private async unpack(layer: RuntimeLayer, dir: string, lowers: string[], signal?: AbortSignal): Promise<void> {
    const tmp = await makeTemp(this.tmpDir, 'layer');
    const what = `layer ${layer.diffID}`;
    try {
      const { stream } = await openUncompressed(await layer.open(), { what });
      const { diffID } = await unpackLayer(stream, tmp, what, { lowers, ...(signal ? { signal } : {}) });
      await chmod(tmp, 0o755);
      // The cache is trusted by every later container: only a verified tar may enter it.
      verifyDigest(what, layer.diffID, diffID);
      await publishDir(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** A fresh private directory under `parent` (made if missing). */
export async function makeTemp(parent: string, label: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = join(parent, `${label}-${randomBytes(8).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** Renames `tmp` to `dir` unless another process got there first (then `tmp` stays for the caller to remove). */
export async function publishDir(tmp: string, dir: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
}
