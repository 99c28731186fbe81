// Two berth processes preparing the same image at once (the built @berth/runtime-oci): each
// unpacks into its own temporary directory, one rename wins, and the cache holds one complete copy.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { busyboxRootfs, rootfsTar } from '@berth/testkit';

const RUNTIME = fileURLToPath(new URL('../plugins/runtime-oci/dist/index.js', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-rt-procs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SCRIPT = `
import { createReadStream, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
const { openOciRuntime } = await import(process.argv[1]);
const [root, tar] = process.argv.slice(2);
const diffID = 'sha256:' + createHash('sha256').update(readFileSync(tar)).digest('hex');
let opened = 0;
const rt = await openOciRuntime({ root });
const { dirs } = await rt.cache.prepare([{ diffID, open: async () => { opened++; return createReadStream(tar); } }]);
process.stdout.write(JSON.stringify({ dir: dirs[0], opened }));
`;

function prepareIn(root: string, tar: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, RUNTIME, root, tar], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
  });
}

it('two processes preparing the same chainID at once leave one complete layer and no temporary debris', async () => {
  const root = await busyboxRootfs(join(dir, 'rootfs'));
  // Enough files that both unpacks overlap.
  for (let d = 0; d < 20; d++) {
    await mkdir(join(root, 'many', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) await writeFile(join(root, 'many', `d${d}`, `f${f}`), `${d}/${f}\n`);
  }
  const tar = await rootfsTar(root, join(dir, 'layer.tar'));
  const store = join(dir, 'store');
  const [a, b] = await Promise.all([prepareIn(store, tar), prepareIn(store, tar)]);
  expect(a, a.err).toMatchObject({ code: 0 });
  expect(b, b.err).toMatchObject({ code: 0 });
  const ra = JSON.parse(a.out) as { dir: string; opened: number };
  const rb = JSON.parse(b.out) as { dir: string; opened: number };
  expect(ra.dir).toBe(rb.dir);
  const runtimeDir = join(store, 'berth', 'runtime');
  expect((await readdir(join(runtimeDir, 'layers'))).length).toBe(1);
  expect(await readdir(join(runtimeDir, 'tmp'))).toEqual([]);
  expect((await readdir(join(ra.dir, 'many'))).length).toBe(20);
  for (let d = 0; d < 20; d++) expect((await readdir(join(ra.dir, 'many', `d${d}`))).length).toBe(100);
  // A third process finds the layer cached and never opens the blob.
  const c = await prepareIn(store, tar);
  expect(JSON.parse(c.out)).toEqual({ dir: ra.dir, opened: 0 });
});
