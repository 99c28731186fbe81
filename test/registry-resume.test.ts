// Resuming pulls: a ~220 MB image of incompressible layers behind a testkit proxy that counts the
// bytes the registry sends. A pull cut at half (dropped connection, kill -9, Ctrl-C) keeps what it
// got; the next pull asks only for the rest (Range) and ends byte-identical to the registry's image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomOciLayout, skopeo, startByteProxy, startRegistry, type ByteProxy, type RandomOciLayout, type RegistryPeer } from '@berth/testkit';
import { BERTH_BIN, newStore, type Store } from './support/berth.js';
import { startBerthd } from './support/berthd.js';

let work: string;
let layout: RandomOciLayout;
let reg: RegistryPeer;
let proxy: ByteProxy;
let ref: string;
const stores: Store[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'resume-e2e-'));
  layout = await randomOciLayout(join(work, 'layout'), { layers: 4, bytesPerLayer: 52 << 20, seed: 'resume' });
  expect(layout.totalBytes).toBeGreaterThan(200e6);
  reg = await startRegistry({ auth: 'none' });
  const pushed = await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${layout.dir}:${layout.tag}`, `docker://${reg.host}/resume/big:1`], { timeoutMs: 120_000 });
  expect(pushed.code, pushed.stderr).toBe(0);
  proxy = await startByteProxy({ target: reg.host });
  ref = `${proxy.host}/resume/big:1`;
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  await reg?.stop();
  for (const s of stores) await s.cleanup();
  await rm(work, { recursive: true, force: true });
});

async function store(): Promise<Store> {
  const s = await newStore('resume-store-');
  stores.push(s);
  return s;
}

const partials = async (s: Store): Promise<string[]> => (await readdir(join(s.root, 'berth', 'partial')).catch(() => [] as string[])).filter((n) => !n.endsWith('.lock'));

const keptBytes = async (s: Store): Promise<number> => {
  let n = 0;
  for (const name of await partials(s)) n += await stat(join(s.root, 'berth', 'partial', name)).then((st) => st.size, () => 0);
  return n;
};

/**
 * The image's blobs already whole in blobs/, then the kept partial bytes. In that order: a layer
 * renamed from partial/ to blobs/ between the two looks is missed rather than counted twice (a
 * double count could send the kill into the moment between two layers, when no partial exists).
 */
const writtenBytes = async (s: Store): Promise<number> => {
  let n = 0;
  for (const b of layout.blobs) n += await stat(join(s.root, 'blobs', 'sha256', b.digest.slice(7))).then((st) => st.size, () => 0);
  return n + (await keptBytes(s));
};

/** The pull again, through a fresh count: the bytes it took, and the store holds the registry's image exactly. */
async function resumeAndCheck(s: Store): Promise<void> {
  proxy.reset();
  await s.ok(['pull', '-q', ref]);
  const sent = proxy.bytesToClient;
  expect(sent, `resumed pull transferred ${sent} of ${layout.totalBytes} bytes`).toBeLessThan(0.6 * layout.totalBytes);
  expect(sent).toBeGreaterThan(0.3 * layout.totalBytes); // it did fetch the missing half, not nothing
  await holdsTheImage(s);
}

/** The store holds the registry's image exactly, and no partial download is left. */
async function holdsTheImage(s: Store): Promise<void> {
  expect((await s.ok(['images', '-q', '--no-trunc'])).trim()).toBe(layout.configDigest);
  // Byte-identical: every blob of the registry's image is in the store, and hashes to its name.
  for (const b of layout.blobs) {
    const bytes = await readFile(join(s.root, 'blobs', 'sha256', b.digest.slice(7)));
    expect(bytes.length).toBe(b.size);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(b.digest);
  }
  expect(await partials(s)).toEqual([]);
  expect(await readdir(join(s.root, 'berth', 'partial')).catch(() => [])).toEqual([]);
}

/** Docker JSON messages: between a layer's first Downloading and its Download complete, no other layer downloads. */
function expectOneAtATime(ndjson: string): void {
  const events = ndjson.trim().split(/\r?\n/).map((l) => JSON.parse(l) as { id?: string; status?: string });
  let current: string | undefined;
  const order: string[] = [];
  for (const e of events) {
    if (e.status === 'Downloading') {
      if (current === undefined) order.push((current = e.id!));
      expect(e.id, 'two layers downloading at once').toBe(current);
    } else if (e.status === 'Download complete' && e.id === current) current = undefined;
  }
  expect(order).toHaveLength(4);
}

describe('an interrupted pull resumes', () => {
  it('after the connection drops at half: the next pull asks only for the rest', async () => {
    const s = await store();
    proxy.reset();
    const cut = proxy.cutAfter(Math.round(layout.totalBytes / 2));
    const r = await s.berth(['pull', ref]);
    await cut;
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect((await s.ok(['images', '-q'])).trim()).toBe('');
    // What arrived is kept in staging, never in blobs/.
    expect((await partials(s)).length).toBeGreaterThan(0);
    for (const b of layout.blobs.slice(2)) {
      await expect(readFile(join(s.root, 'blobs', 'sha256', b.digest.slice(7))).then((x) => x.length)).rejects.toThrow(/ENOENT/);
    }
    await resumeAndCheck(s);
  }, 180_000);

  it('layers completed before the cut are kept too, not only the one cut in the middle', async () => {
    // One layer at a time: at half of the bytes, the first layers are whole and the next is cut.
    const s = await store();
    const config = join(work, 'one-layer.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(config, JSON.stringify({ 'max-concurrent-downloads': 1 }));
    proxy.reset();
    const cut = proxy.cutAfter(Math.round(layout.totalBytes / 2));
    const r = await s.berth(['pull', ref], { env: { BERTH_CONFIG: config } });
    await cut;
    expect(r.code).toBe(1);
    expect((await s.ok(['images', '-q'])).trim()).toBe('');
    // The whole layers wait in staging with the cut one, none in blobs/ (no image names them).
    expect((await partials(s)).length).toBeGreaterThanOrEqual(2);
    for (const b of layout.blobs.filter((x) => x.size > 1 << 20)) {
      await expect(readFile(join(s.root, 'blobs', 'sha256', b.digest.slice(7))).then((x) => x.length)).rejects.toThrow(/ENOENT/);
    }
    await resumeAndCheck(s);
  }, 180_000);

  // With one layer at a time, the kill finds whole layers in blobs/ that no image names yet: the
  // next pull takes those as kept bytes too.
  it.each([
    ['SIGKILL', 3],
    ['SIGINT', 3],
    ['SIGKILL', 1],
  ] as const)('after %s of the CLI mid-pull (%i layers at a time)', async (signal, layersAtOnce) => {
    const s = await store();
    proxy.reset();
    const config = join(work, `layers-${layersAtOnce}.json`);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(config, JSON.stringify({ 'max-concurrent-downloads': layersAtOnce }));
    const child = spawn(process.execPath, [BERTH_BIN, 'pull', '-q', ref], { env: { ...process.env, BERTH_ROOT: s.root, BERTH_CONFIG: config }, stdio: 'ignore' });
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => ((running = false), resolve(code))));
    // Half through as the pull sees it: what it has written, in staging or as whole layers. (The
    // proxy's count runs ahead by what sits in loopback socket buffers, up to tens of MB a
    // connection, which a killed process never reads.)
    while (running && (await writtenBytes(s)) < layout.totalBytes / 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(running, 'the pull ended before it was half through').toBe(true);
    expect(proxy.bytesToClient).toBeGreaterThanOrEqual(layout.totalBytes / 2);
    child.kill(signal);
    await exited;
    expect((await partials(s)).length).toBeGreaterThan(0);
    await resumeAndCheck(s);
  }, 180_000);

  it('within one pull: layers whose connection dropped mid-way go on from where they stopped', async () => {
    const s = await store();
    proxy.reset();
    const dropped = proxy.dropAt(Math.round(layout.totalBytes / 2));
    const r = await s.berth(['pull', ref]);
    await dropped;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: Retrying in 1 second\n/);
    // Only what was in flight when the connections dropped is fetched twice: what the pull had read
    // but not yet written, and what sat unread in the loopback socket buffers (the proxy counts it
    // as sent; Linux lets a slow reader's buffer grow to tens of MB). A layer fetched again from its
    // start would add 52 MB, more than the 0.2 × 208 MB allowed.
    expect(proxy.bytesToClient).toBeLessThan(1.2 * layout.totalBytes);
    await holdsTheImage(s);
  }, 180_000);

  it('max-concurrent-downloads: 1 in the config file: one layer at a time (--json shows the order), for berth and berthd', async () => {
    const s = await store();
    const config = join(work, 'one-at-a-time.json');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(config, JSON.stringify({ 'max-concurrent-downloads': 1 }));
    proxy.reset();
    const out = await s.ok(['pull', '--json', ref], { env: { BERTH_CONFIG: config } });
    expectOneAtATime(out);
    // berthd reads the same key at start for the pulls of its Engine face.
    const served = await store();
    const berthd = await startBerthd(served.root, '127.0.0.1:0', [], { BERTH_CONFIG: config });
    try {
      const res = await fetch(`${berthd.url}/images/create?fromImage=${encodeURIComponent(ref)}`, { method: 'POST' });
      expect(res.status).toBe(200);
      expectOneAtATime(await res.text());
    } finally {
      await berthd.stop();
    }
    await holdsTheImage(served);
    await holdsTheImage(s);
  }, 180_000);
});
