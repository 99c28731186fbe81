// A full disk: the store lives on a 16 MiB tmpfs. What does not fit is refused in one line that
// says so, gives its space back and leaves the store as it was (a pull's other layers stop, and
// none of its partial downloads stays behind); what only reads (images, inspect, save to stdout)
// still works with the disk full; a container that fills it runs on and exits as its process does;
// and rm and rmi still free it (the store keeps a reserve to commit them).
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { execFileSync } from 'node:child_process';
import { open, mkdir, mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, randomImageFiles, randomOciLayout, rootfsTar, skopeo, startRegistry, type RegistryPeer } from '@berth/testkit';
import { fingerprint, storeAt, type Store } from './support/berth.js';
import { startBerthd } from './support/berthd.js';
import type { RunOptions } from '@berth/testkit';

const DISK_BYTES = 16 << 20;
/** What store-fs keeps in berth/reserve so that removals can commit on a full disk. */
const RESERVE = 4 << 20;
let work: string;
let disk: string;
let mounted = false;
let store: Store;
let reg: RegistryPeer;
let bigArchive: string;
let bigRootfsTar: string;
let smallId: string;
let layoutDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'full-disk-'));
  disk = join(work, 'disk');
  await mkdir(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', disk], { stdio: 'ignore' });
    mounted = true;
  } catch (err) {
    // Mounting a small filesystem needs root: CI runs as root, so there this must run.
    if (process.env.CI) throw err;
  }
  if (!mounted) return;
  store = storeAt(join(disk, 'store'));
  // An image that fits (busybox, ~2 MB), and one of 24 MiB that does not: as an archive, a
  // tarball to import and in a registry.
  await store.ok(['import', await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'small.tar')), 'small:1']);
  smallId = (await store.ok(['images', '-q', '--no-trunc', 'small:1'])).trim();
  const layout = await randomOciLayout(join(work, 'layout'), { layers: 3, bytesPerLayer: 8 << 20, seed: 'full-disk' });
  layoutDir = layout.dir;
  bigArchive = join(work, 'big.tar');
  const saved = await skopeo(['copy', '-q', `oci:${layout.dir}:${layout.tag}`, `docker-archive:${bigArchive}:big:1`]);
  expect(saved.code, saved.stderr).toBe(0);
  await randomImageFiles(join(work, 'big-rootfs'), { files: 1, bytes: 24 << 20, seed: 'full-disk-import' });
  bigRootfsTar = await rootfsTar(join(work, 'big-rootfs'), join(work, 'big-rootfs.tar'));
  reg = await startRegistry({ auth: 'none' });
  const pushed = await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${layout.dir}:${layout.tag}`, `docker://${reg.host}/full/big:1`]);
  expect(pushed.code, pushed.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await reg?.stop();
  if (mounted) execFileSync('umount', ['-l', disk]);
  await rm(work, { recursive: true, force: true });
});

/** Without root (no mount) the tests skip; CI runs as root, and there beforeAll fails instead. */
function needsDisk(ctx: TestContext): void {
  if (!mounted) ctx.skip();
}

/** Fills what is left of the disk with a file of its own (removed by the caller). */
async function fillDisk(): Promise<void> {
  const filler = await open(join(disk, 'filler'), 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (;;) await filler.write(chunk);
  } catch (err) {
    expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await filler.close();
  }
  // The last MiB that did not fit whole: smaller pieces until nothing does.
  const tail = await open(join(disk, 'filler'), 'a');
  try {
    for (let n = 1 << 19; n >= 4096; ) await tail.write(Buffer.alloc(n, 1)).catch(() => (n >>= 1));
  } finally {
    await tail.close();
  }
}

const freeBytes = async (): Promise<number> => {
  const s = await statfs(disk);
  return s.bfree * s.bsize;
};

/** Refused in one line naming the full disk; the store's files and the disk's free space as before. */
async function expectNoSpace(args: string[], options: RunOptions = {}): Promise<void> {
  const before = await fingerprint(store.root);
  const free = await freeBytes();
  const r = await store.berth(args, options);
  expect(r.code, r.stdout).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^Error: no space left on device while /);
  expect(await fingerprint(store.root)).toEqual(before);
  expect(await freeBytes()).toBe(free);
  expect(await readdir(join(store.root, 'berth', 'partial')).catch(() => [])).toEqual([]);
}

describe('what does not fit is refused and gives its space back', () => {
  it('load of a 24 MiB archive', async (ctx) => {
    needsDisk(ctx);
    await expectNoSpace(['load', '-i', bigArchive]);
  });

  it('import of a 24 MiB tarball', async (ctx) => {
    needsDisk(ctx);
    await expectNoSpace(['import', bigRootfsTar, 'big:1']);
  });

  it('pull of a 24 MiB image: the other layers stop and keep nothing', async (ctx) => {
    needsDisk(ctx);
    await expectNoSpace(['pull', '-q', `${reg.host}/full/big:1`]);
  });
});

describe('a full disk', () => {
  it('still lists, inspects and saves to stdout; save -o onto it is refused', async (ctx) => {
    needsDisk(ctx);
    const list = ['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.Size}}'];
    const listed = await store.ok(list);
    expect(listed).toContain(smallId);
    const saved = await store.berth(['save', 'small:1']);
    expect(saved.code, saved.stderr).toBe(0);
    await fillDisk();
    try {
      expect(await freeBytes()).toBeLessThan(1 << 20);
      expect(await store.ok(list)).toBe(listed);
      expect((await store.ok(['inspect', '-f', '{{.Id}}', 'small:1'])).trim()).toBe(smallId);
      const again = await store.berth(['save', 'small:1']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.length).toBe(saved.stdout.length);
      await expectNoSpace(['save', '-o', join(disk, 'small.tar'), 'small:1']);
      expect((await readdir(disk)).sort()).toEqual(['filler', 'store']);
    } finally {
      await rm(join(disk, 'filler'));
    }
  });

  it('a container that fills it runs on, and exits as its process does', async (ctx) => {
    needsDisk(ctx);
    const r = await store.berth(['run', '--name', 'filler', 'small:1', 'sh', '-c', 'echo before; head -c 33554432 /dev/zero > /big; echo "head exited $?"']);
    expect(r.stderr).not.toMatch(/Unhandled|node:events|ENOSPC/);
    expect(r.stdout).toMatch(/^before\nhead exited 1\n$/);
    expect(r.code).toBe(0);
    expect((await store.ok(['ps', '-a', '--format', '{{.Names}} {{.Status}}'])).trim()).toMatch(/^filler Exited \(0\) /);
    await store.ok(['rm', 'filler']);
  });
});

describe('a read-only store', () => {
  it('is listed and saved from; a write says the file system is read-only', async (ctx) => {
    needsDisk(ctx);
    // Without its reserve, as a store made elsewhere and mounted read-only would be.
    await rm(join(store.root, 'berth', 'reserve'), { force: true });
    const readOnly = join(work, 'read-only');
    await mkdir(readOnly);
    execFileSync('mount', ['--bind', store.root, readOnly]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
      const ro = storeAt(readOnly);
      expect(await ro.ok(['images', '-q', '--no-trunc'])).toBe(await store.ok(['images', '-q', '--no-trunc']));
      const saved = await ro.berth(['save', 'small:1']);
      expect(saved.code, saved.stderr).toBe(0);
      const tagged = await ro.berth(['tag', 'small:1', 'small:2']);
      expect(tagged.code).toBe(1);
      expect(tagged.stderr).toBe(`Error: mkdir ${readOnly}/berth/lock: read-only file system\n`);
    } finally {
      execFileSync('umount', [readOnly]);
    }
  });
});

describe('freeing a full disk', () => {
  it('rm removes a container on it', async (ctx) => {
    needsDisk(ctx);
    await store.ok(['run', '--name', 'stopped', 'small:1', 'true']);
    await fillDisk();
    try {
      expect(await freeBytes()).toBe(0);
      await store.ok(['rm', 'stopped']);
      expect(await store.ok(['ps', '-a', '-q'])).toBe('');
    } finally {
      await rm(join(disk, 'filler'));
    }
  });

  it('rmi commits on it by spending the store reserve, and the reserve comes back', async (ctx) => {
    needsDisk(ctx);
    await fillDisk();
    try {
      expect(await freeBytes()).toBe(0);
      const removed = await store.ok(['rmi', 'small:1']);
      expect(removed).toContain(`Deleted: ${smallId}`);
      // index.json could only be replaced with the reserve's room; the image's ~2 MB came back.
      expect(await stat(join(store.root, 'berth', 'reserve')).catch(() => undefined)).toBeUndefined();
      expect(await freeBytes()).toBeGreaterThan(RESERVE + (1 << 20));
      // The next command finds room for the reserve again.
      expect(await store.ok(['images', '-q'])).toBe('');
      expect((await stat(join(store.root, 'berth', 'reserve'))).size).toBe(RESERVE);
    } finally {
      await rm(join(disk, 'filler'));
    }
  });
});

describe('berthd on a full disk', () => {
  it('refuses a push it has no room for with 507, saying why, and serves on', async (ctx) => {
    needsDisk(ctx);
    const server = await startBerthd(join(disk, 'berthd'), '127.0.0.1:0', ['--engine-listen', 'off']);
    try {
      const pushed = await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${layoutDir}:1`, `docker://${server.host}/full/big:1`]);
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toMatch(/507|Insufficient Storage|no space left on device/i);
      const ping = await fetch(`http://${server.host}/v2/`);
      expect(ping.status).toBe(200);
    } finally {
      await server.stop();
      await rm(join(disk, 'berthd'), { recursive: true, force: true });
    }
  });
});

describe('once there is room again', () => {
  it('the same pull succeeds', async (ctx) => {
    needsDisk(ctx);
    // 24 MiB does not fit in 16 MiB: the disk grows, as a user would free or add space.
    execFileSync('mount', ['-o', `remount,size=${4 * DISK_BYTES}`, disk]);
    await store.ok(['pull', '-q', `${reg.host}/full/big:1`]);
    expect((await store.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).trim()).toBe(`${reg.host}/full/big:1`);
  });
});
