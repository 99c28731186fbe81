// Runs the built `berth` CLI as a user would, against a store of the test's own.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunOptions, type RunResult } from '@berth/testkit';

export const BERTH_BIN = fileURLToPath(new URL('../../apps/cli/bin/run.js', import.meta.url));

export interface Store {
  root: string;
  berth(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Like berth() but throws with stderr when the exit code is not 0. */
  ok(args: string[], options?: RunOptions): Promise<string>;
  cleanup(): Promise<void>;
}

export async function newStore(prefix = 'berth-e2e-'): Promise<Store> {
  return storeAt(await mkdtemp(join(tmpdir(), prefix)));
}

/** A store at `root` (a directory of the test's own, which cleanup() removes). */
export function storeAt(root: string): Store {
  const berth = (args: string[], options: RunOptions = {}): Promise<RunResult> =>
    run(process.execPath, [BERTH_BIN, ...args], { ...options, env: { ...process.env, BERTH_ROOT: root, ...(options.env ?? {}) } });
  return {
    root,
    berth,
    ok: async (args, options) => {
      const r = await berth(args, options);
      if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Every file under `root` with its sha256: two equal fingerprints mean an untouched store. */
export async function fingerprint(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out[relative(root, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
    }
  };
  if (await stat(root).catch(() => undefined)) await walk(root);
  return out;
}
