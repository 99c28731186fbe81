// Ctrl-C and SIGTERM in the middle of a load, an import or a save -o: the command unwinds, removes
// what it had staged, leaves the store's files as they were, and ends without a word with
// 128+signo, as the docker CLI killed by that signal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomImageFiles, randomOciLayout, rootfsTar, skopeo } from '@berth/testkit';
import { BERTH_BIN, fingerprint, newStore, type Store } from './support/berth.js';

let work: string;
let store: Store;
let archive: string;
let tarball: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'interrupt-'));
  const layout = await randomOciLayout(join(work, 'layout'), { layers: 3, bytesPerLayer: 32 << 20, seed: 'interrupt' });
  archive = join(work, 'big.tar');
  const saved = await skopeo(['copy', '-q', `oci:${layout.dir}:${layout.tag}`, `docker-archive:${archive}:big:1`], { timeoutMs: 120_000 });
  expect(saved.code, saved.stderr).toBe(0);
  await randomImageFiles(join(work, 'rootfs'), { files: 1, bytes: 96 << 20, seed: 'interrupt-import' });
  tarball = await rootfsTar(join(work, 'rootfs'), join(work, 'rootfs.tar'));
  store = await newStore('interrupt-store-');
  await store.ok(['images']);
}, 180_000);

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const filesIn = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();

/**
 * Runs berth, waits until `started()` says it is under way (it has staged something), sends
 * `signal`, and returns its exit status and stderr.
 */
async function interrupt(args: string[], signal: 'SIGINT' | 'SIGTERM', started: () => Promise<boolean>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BERTH_BIN, ...args], { env: { ...process.env, BERTH_ROOT: store.root }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (!(await started())) {
    if (Date.now() > deadline) throw new Error(`berth ${args.join(' ')} never got under way: ${stderr}`);
    if (child.exitCode !== null) throw new Error(`berth ${args.join(' ')} ended (${child.exitCode}) before it could be interrupted: ${stderr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill(signal);
  return { code: await exited, stderr };
}

/** Something staged in the store's tmp (an archive's blobs, an import's layer). */
const stagedInStore = async (): Promise<boolean> => {
  for (const name of await filesIn(join(store.root, 'berth', 'tmp'))) {
    if ((await stat(join(store.root, 'berth', 'tmp', name))).size > 1 << 20) return true;
  }
  return false;
};

describe('an interrupted command leaves nothing behind', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`load, ${signal}`, async () => {
      const before = await fingerprint(store.root);
      const r = await interrupt(['load', '-i', archive], signal, stagedInStore);
      expect(r.code).toBe(status);
      expect(r.stderr).toBe('');
      expect(await fingerprint(store.root)).toEqual(before);
    });

    it(`import, ${signal}`, async () => {
      const before = await fingerprint(store.root);
      const r = await interrupt(['import', tarball, 'imported:1'], signal, stagedInStore);
      expect(r.code).toBe(status);
      expect(r.stderr).toBe('');
      expect(await fingerprint(store.root)).toEqual(before);
    });
  }

  it('save -o: no half archive and no temp file beside the target', async () => {
    await store.ok(['load', '-q', '-i', archive]);
    const out = join(work, 'out');
    await mkdir(out);
    const r = await interrupt(['save', '-o', join(out, 'big.tar'), 'big:1'], 'SIGINT', async () => {
      for (const name of await filesIn(out)) if ((await stat(join(out, name))).size > 1 << 20) return true;
      return false;
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('');
    expect(await filesIn(out)).toEqual([]);
  });
});
