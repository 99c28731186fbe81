// Resuming pushes: a ~210 MB image of incompressible layers pushed to berthd through testkit's
// byte-counting proxy. Cut off mid-way (connections dropped within the push, or berth killed with
// kill -9), the push asks the registry's upload status and sends only the rest; what berthd ends
// up with pulls back as the same image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomOciLayout, skopeo, startByteProxy, type ByteProxy, type RandomOciLayout } from '@berth/testkit';
import { BERTH_BIN, newStore, type Store } from './support/berth.js';
import { startBerthd, type Berthd } from './support/berthd.js';

let work: string;
let layout: RandomOciLayout;
let source: Store;
const targets: { served: Store; berthd: Berthd; proxy: ByteProxy }[] = [];
const SOURCE = 'resume/up:1';

/** A berthd of its own behind a counting proxy: nothing to mount from, every byte counted. */
async function target(): Promise<{ berthd: Berthd; proxy: ByteProxy }> {
  const served = await newStore('push-resume-root-');
  const berthd = await startBerthd(served.root);
  const proxy = await startByteProxy({ target: berthd.host });
  targets.push({ served, berthd, proxy });
  return { berthd, proxy };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'push-resume-'));
  layout = await randomOciLayout(join(work, 'layout'), { layers: 4, bytesPerLayer: 52 << 20, seed: 'push-resume' });
  expect(layout.totalBytes).toBeGreaterThan(200e6);
  const archive = join(work, 'image.tar');
  const copied = await skopeo(['copy', '-q', `oci:${layout.dir}:${layout.tag}`, `docker-archive:${archive}:${SOURCE}`], { timeoutMs: 120_000 });
  expect(copied.code, copied.stderr).toBe(0);
  source = await newStore('push-resume-src-');
  await source.ok(['load', '-q', '-i', archive]);
}, 240_000);

afterAll(async () => {
  for (const t of targets) {
    await t.proxy.close();
    await t.berthd.stop();
    await t.served.cleanup();
  }
  await source?.cleanup();
  await rm(work, { recursive: true, force: true });
});

const sessions = async (): Promise<string[]> => readdir(join(source.root, 'berth', 'uploads')).catch(() => [] as string[]);

/** berthd holds the image: a fresh store pulls it back to the same ID. */
async function pullsBack(berthd: Berthd, ref: string): Promise<void> {
  const back = await newStore('push-resume-back-');
  try {
    await back.ok(['pull', '-q', `${berthd.host}/${ref.slice(ref.indexOf('/') + 1)}`]);
    expect((await back.ok(['images', '-q', '--no-trunc'])).trim()).toBe(layout.configDigest);
  } finally {
    await back.cleanup();
  }
}

describe('an interrupted push resumes from the registry upload status', () => {
  it('within one push: uploads whose connection dropped go on from what the registry holds', async () => {
    const { berthd, proxy } = await target();
    const ref = `${proxy.host}/resume/within:1`;
    await source.ok(['tag', SOURCE, ref]);
    proxy.reset();
    const dropped = proxy.dropUploadAt(Math.round(layout.totalBytes / 2));
    const r = await source.berth(['push', ref]);
    await dropped;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: Retrying in 1 second\n/);
    // Sent once, with nothing of the cut-off uploads sent again (starting over would add a
    // good part of each layer in flight: tens of MB).
    expect(proxy.bytesToTarget, `pushed ${proxy.bytesToTarget} bytes for ${layout.totalBytes}`).toBeLessThan(layout.totalBytes + (4 << 20));
    expect(await sessions()).toEqual([]);
    await pullsBack(berthd, ref);
  }, 180_000);

  it('after kill -9 of berth mid-push: the next push sends only the rest', async () => {
    const { berthd, proxy } = await target();
    const ref = `${proxy.host}/resume/killed:1`;
    await source.ok(['tag', SOURCE, ref]);
    proxy.reset();
    const child = spawn(process.execPath, [BERTH_BIN, 'push', '-q', ref], { env: { ...process.env, BERTH_ROOT: source.root }, stdio: 'ignore' });
    let running = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => ((running = false), resolve())));
    await Promise.race([proxy.uploaded(Math.round(layout.totalBytes / 2)), exited]);
    expect(running, 'the push ended before it was half through').toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect((await sessions()).length, 'upload sessions remembered').toBeGreaterThan(0);
    proxy.reset();
    await source.ok(['push', '-q', ref]);
    const sent = proxy.bytesToTarget;
    expect(sent, `resumed push sent ${sent} of ${layout.totalBytes} bytes`).toBeLessThan(0.6 * layout.totalBytes);
    expect(sent).toBeGreaterThan(0.3 * layout.totalBytes);
    expect(await sessions()).toEqual([]);
    await pullsBack(berthd, ref);
  }, 180_000);
});
