// Online garbage collection: `berthd gc` on the root of a running berthd deletes an old orphaned
// upload and nothing a manifest reaches (a pull afterwards gets the same image); --gc-interval runs it on a timer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, run } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { BERTHD_BIN, startBerthd, type Berthd } from './support/berthd.js';

let work: string;
let source: Store;
let served: Store;
let berthd: Berthd;
let id: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'server-gc-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  source = await newStore('gc-src-');
  served = await newStore('gc-root-');
  berthd = await startBerthd(served.root);
  id = (await source.ok(['import', tar, `${berthd.host}/team/app:1`])).trim();
  await source.ok(['push', `${berthd.host}/team/app:1`]);
}, 120_000);

afterAll(async () => {
  await berthd?.stop();
  await Promise.all([source?.cleanup(), served?.cleanup()]);
  await rm(work, { recursive: true, force: true });
});

/** Sets every blob of the served root an hour and a half back. */
async function ageAll(): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  const t = new Date(Date.now() - 90 * 60 * 1000);
  for (const f of await readdir(join(served.root, 'blobs', 'sha256'))) await utimes(join(served.root, 'blobs', 'sha256', f), t, t);
}

describe('berthd gc', () => {
  it('deletes an old orphaned upload while berthd serves, and the image still pulls', async () => {
    const orphan = Buffer.from('an upload whose manifest never came');
    const digest = `sha256:${createHash('sha256').update(orphan).digest('hex')}`;
    const res = await fetch(`${berthd.url}/v2/team/app/blobs/uploads/?digest=${digest}`, { method: 'POST', body: orphan, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.status).toBe(201);
    const young = await run(process.execPath, [BERTHD_BIN, 'gc', '--root', served.root]);
    expect(young.stdout).not.toContain(digest);
    await ageAll();
    const dry = await run(process.execPath, [BERTHD_BIN, 'gc', '--root', served.root, '--dry-run']);
    expect(dry.stdout).toBe(`would delete: ${digest}\nKept: 3 referenced, 0 younger than the grace period\nTotal reclaimed space: ${orphan.length}B\n`);
    const r = await run(process.execPath, [BERTHD_BIN, 'gc', '--root', served.root]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`deleted: ${digest}\n`);
    expect(await stat(join(served.root, 'blobs', 'sha256', digest.slice(7))).catch(() => undefined)).toBeUndefined();
    const back = await newStore('gc-back-');
    try {
      await back.ok(['pull', `${berthd.host}/team/app:1`]);
      expect((await back.ok(['images', '-q', '--no-trunc'])).trim()).toBe(id);
    } finally {
      await back.cleanup();
    }
  });

  it('--gc-interval collects on a timer, logs what it did and counts it in /metrics', async () => {
    const timed = await startBerthd(served.root, '127.0.0.1:0', ['--gc-interval', '1']);
    try {
      const orphan = Buffer.from('another upload nobody names');
      const digest = `sha256:${createHash('sha256').update(orphan).digest('hex')}`;
      expect((await fetch(`${timed.url}/v2/team/app/blobs/uploads/?digest=${digest}`, { method: 'POST', body: orphan })).status).toBe(201);
      await ageAll();
      const path = join(served.root, 'blobs', 'sha256', digest.slice(7));
      for (let i = 0; i < 50 && (await stat(path).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await stat(path).catch(() => undefined)).toBeUndefined();
      expect(timed.log()).toMatch(/"deleted":1,"reclaimed":27,.*"msg":"garbage collection"/);
      const metrics = await (await fetch(`${timed.url}/metrics`)).text();
      expect(metrics).toMatch(/^berthd_gc_deleted_blobs_total 1$/m);
      expect(metrics).toMatch(/^berthd_gc_reclaimed_bytes_total 27$/m);
      expect(Number(/^berthd_gc_runs_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${timed.url}/v2/team/app/manifests/1`)).status).toBe(200);
    } finally {
      await timed.stop();
    }
  });
});
