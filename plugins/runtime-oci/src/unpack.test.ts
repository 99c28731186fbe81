import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileTar, umoci, type HostileEntry } from '@berth/testkit';
import { openOciRuntime } from './runtime.js';
import { getXattr } from './xattr.js';
import { busyboxLayer, fileLayer, ociLayout, runIn, spec, tempDir, treeListing } from './fixtures.test-support.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('unpack');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const t = (s: number) => new Date(s * 1000);
const LOWER: HostileEntry[] = [
  { name: 'a/', type: 'directory', mode: 0o755, mtime: t(1000) },
  { name: 'a/f1', content: 'one\n', mtime: t(1001) },
  { name: 'a/f2', content: 'two\n', mode: 0o600, uid: 7, gid: 8, mtime: t(1002) },
  { name: 'b/', type: 'directory', mode: 0o750, mtime: t(1003) },
  { name: 'b/old', content: 'old\n' },
  { name: 'b/sub/', type: 'directory' },
  { name: 'b/sub/deep', content: 'deep\n' },
  { name: 'c', content: 'c\n' },
  { name: 'l', type: 'symlink', linkname: '/a' },
];
const UPPER: HostileEntry[] = [
  { name: 'a/', type: 'directory', mode: 0o755, mtime: t(2000) },
  { name: 'a/.wh.f1' },
  { name: 'a/suid', content: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1000, mtime: t(2001), pax: { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
  { name: 'a/hard', type: 'link', linkname: 'a/suid' },
  { name: 'b/', type: 'directory', mode: 0o700, mtime: t(2002) },
  { name: 'b/.wh..wh..opq' },
  { name: 'b/new', content: 'new\n' },
  { name: 'dev/', type: 'directory' },
  { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
  { name: 'pipe', type: 'fifo' },
  { name: 'l/', type: 'directory', mode: 0o711 },
  { name: 'l/inside', content: 'a directory replaced the symlink\n' },
  { name: 'no-parent/x/y', content: 'y\n' },
  { name: 'c-link', type: 'link', linkname: 'c' },
];

describe('unpacking layers', () => {
  it('overlay form: whiteouts as 0:0 devices, opaque xattr, owners, modes, setuid, xattrs, hard links, times; devices and fifos skipped', async () => {
    const lower = await fileLayer(await hostileTar(join(dir, 'lower.tar'), LOWER));
    const upper = await fileLayer(await hostileTar(join(dir, 'upper.tar'), UPPER));
    const rt = await openOciRuntime({ root: join(dir, 'store1'), snapshotter: 'overlay' });
    const { dirs } = await rt.cache.prepare([lower, upper]);
    const up = dirs[1]!;
    const wh = await lstat(join(up, 'a/f1'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(getXattr(join(up, 'b'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    // A layer's own trusted.overlay.* attributes never reach overlayfs.
    expect(getXattr(join(up, 'a/suid'), 'trusted.overlay.opaque')).toBeUndefined();
    expect(getXattr(join(up, 'a/suid'), 'user.note')?.toString()).toBe('hello');
    const suid = await lstat(join(up, 'a/suid'));
    expect({ mode: suid.mode & 0o7777, uid: suid.uid, gid: suid.gid, mtime: suid.mtimeMs, nlink: suid.nlink }).toEqual({ mode: 0o4755, uid: 1000, gid: 1000, mtime: 2001_000, nlink: 2 });
    expect((await lstat(join(up, 'a'))).mtimeMs).toBe(2000_000);
    expect(await readdir(join(up, 'dev'))).toEqual([]);
    // Hard links to lower files: the file is copied up (as overlayfs would), then linked.
    const [c, cl] = [await lstat(join(up, 'c')), await lstat(join(up, 'c-link'))];
    expect(cl.ino).toBe(c.ino);
    const bad = await fileLayer(await hostileTar(join(dir, 'badlink.tar'), [{ name: 'x', type: 'link', linkname: 'nowhere' }]));
    await expect(rt.cache.prepare([lower, bad])).rejects.toMatchObject({ code: 'ERR_LAYER_INVALID', message: expect.stringMatching(/hard link "x" points to "nowhere", which is not a file/) });
    await expect(lstat(join(up, 'pipe'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('binary xattrs (security.capability style) arrive byte for byte, behind long PAX names too', async () => {
    const { TAR_END, tarHeader, tarPadding } = await import('./tar-writer.js');
    const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00]);
    const long = `${'p'.repeat(120)}/${'q'.repeat(120)}`;
    const body = Buffer.from('data\n');
    const base = { mode: 0o755, uid: 0, gid: 0, mtime: 0 };
    const tar = Buffer.concat([
      tarHeader({ ...base, name: 'plain', type: 'file', size: body.length }), body, tarPadding(body.length),
      tarHeader({ ...base, name: 'bin', type: 'file', size: body.length, xattrs: new Map([['user.cap', cap]]) }), body, tarPadding(body.length),
      tarHeader({ ...base, name: long, type: 'file', size: 0, xattrs: new Map([['user.cap', cap.subarray(4)], ['user.t', Buffer.from('é')]]) }),
      tarHeader({ ...base, name: 'after', type: 'file', size: body.length }), body, tarPadding(body.length),
      TAR_END,
    ]);
    const file = join(dir, 'xattrs.tar');
    await writeFile(file, tar);
    const rt = await openOciRuntime({ root: join(dir, 'store-xattrs') });
    const { dirs } = await rt.cache.prepare([await fileLayer(file)]);
    expect(getXattr(join(dirs[0]!, 'bin'), 'user.cap')).toEqual(cap);
    expect(getXattr(join(dirs[0]!, long), 'user.cap')).toEqual(cap.subarray(4));
    expect(getXattr(join(dirs[0]!, long), 'user.t')?.toString()).toBe('é');
    expect(getXattr(join(dirs[0]!, 'plain'), 'user.cap')).toBeUndefined();
    expect(getXattr(join(dirs[0]!, 'after'), 'user.cap')).toBeUndefined();
  });

  it.each(['overlay', 'copy'] as const)('the %s rootfs of a two-layer image is the tree umoci unpacks', async (snapshotter) => {
    const bb = await busyboxLayer(join(dir, snapshotter));
    const lowerTar = await hostileTar(join(dir, `lower-${snapshotter}.tar`), LOWER);
    const upperTar = await hostileTar(join(dir, `upper-${snapshotter}.tar`), UPPER.filter((e) => e.type !== 'character-device' && e.type !== 'fifo'));
    const rt = await openOciRuntime({ root: join(dir, `store-${snapshotter}`), snapshotter });
    const rootfs = await rt.rootfs(`peer-${snapshotter}`, [bb.layer, await fileLayer(lowerTar), await fileLayer(upperTar)]);
    try {
      const layout = await ociLayout(join(dir, `layout-${snapshotter}`), [bb.tar, lowerTar, upperTar]);
      const bundle = join(dir, `bundle-${snapshotter}`);
      const r = await umoci(['unpack', '--image', `${layout}:latest`, bundle]);
      expect(r.code).toBe(0);
      const ours = await treeListing(rootfs.path, { mtimes: true, except: ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'] });
      expect(ours).toEqual(await treeListing(join(bundle, 'rootfs'), { mtimes: true }));
      expect(ours['l']).toMatchObject({ type: 'dir', mode: 0o711 });
      expect(ours['a/f1']).toBeUndefined();
      expect(Object.keys(ours).filter((p) => p.startsWith('b/'))).toEqual(['b/new']);
      const seen = await runIn(rootfs, spec(['sh', '-c', 'cat /l/inside /a/hard; ls /b']));
      expect(seen.stdout).toBe('a directory replaced the symlink\n#!/bin/sh\nnew\n');
    } finally {
      await rootfs.remove();
    }
  });

  it('a layer is unpacked once per chainID, also when two runtimes prepare it at the same time', async () => {
    const bb = await busyboxLayer(join(dir, 'once'));
    let opened = 0;
    const layer = { diffID: bb.layer.diffID, open: () => { opened++; return bb.layer.open(); } };
    const root = join(dir, 'store-once');
    const [a, b] = await Promise.all([openOciRuntime({ root }), openOciRuntime({ root })]);
    const [pa, pb] = await Promise.all([a.cache.prepare([layer]), b.cache.prepare([layer])]);
    expect(pa.dirs).toEqual(pb.dirs);
    expect(await readdir(join(a.runtimeDir, 'layers'))).toEqual([pa.chainIDs[0]!.replace(':', '-')]);
    expect(await readdir(join(a.runtimeDir, 'tmp'))).toEqual([]);
    await a.cache.prepare([layer]);
    expect(opened).toBeLessThanOrEqual(2);
    expect((await treeListing(pa.dirs[0]!))['bin/busybox']).toMatchObject({ type: 'file', mode: 0o755 });
  });

  it('a layer whose bytes do not match its diffID never enters the cache', async () => {
    const tar = await hostileTar(join(dir, 'mismatch.tar'), [{ name: 'f', content: 'x' }]);
    const layer = await fileLayer(tar, `sha256:${'0'.repeat(64)}`);
    const rt = await openOciRuntime({ root: join(dir, 'store-mismatch') });
    await expect(rt.rootfs('m1', [layer])).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
    expect(await readdir(join(rt.runtimeDir, 'layers')).catch(() => [])).toEqual([]);
    expect(await readdir(join(rt.runtimeDir, 'tmp'))).toEqual([]);
  });
});

describe('hostile layers are refused and write nothing outside', () => {
  let outside: string;
  beforeAll(async () => {
    outside = join(dir, 'outside');
    await mkdir(outside, { recursive: true });
  });

  it.each([
    ['a "../" entry', (o: string) => [{ name: 'a/', type: 'directory' }, { name: `a/../../../../../../../../../..${o}/dotdot`, content: 'pwned' }], 'dotdot', /climbs out of the root/],
    ['an absolute entry', (o: string) => [{ name: `${o}/absolute`, content: 'pwned' }], 'absolute', /has an absolute path/],
    ['a write through a symlinked parent', (o: string) => [{ name: 'link', type: 'symlink', linkname: o }, { name: 'link/through', content: 'pwned' }], 'through', /goes through the symlink "link"/],
    ['a whiteout through a symlinked parent', (o: string) => [{ name: 'link', type: 'symlink', linkname: o }, { name: 'link/.wh.victim' }], 'victim', /goes through the symlink/],
    ['a hard link to a host file', () => [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], undefined, /points to the absolute path/],
  ] as Array<[string, (o: string) => HostileEntry[], string | undefined, RegExp]>)('%s', async (_label, entries, written, message) => {
    if (written === 'victim') await writeFile(join(outside, 'victim'), 'still here');
    const tar = await hostileTar(join(dir, `hostile-${written ?? 'h'}.tar`), entries(outside));
    const rt = await openOciRuntime({ root: join(dir, 'store-hostile') });
    await expect(rt.rootfs(`hostile-${written ?? 'h'}`, [await fileLayer(tar)])).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', message: expect.stringMatching(message) });
    if (written === 'victim') expect((await lstat(join(outside, 'victim'))).isFile()).toBe(true);
    else if (written) await expect(lstat(join(outside, written))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(join(rt.runtimeDir, 'layers')).catch(() => [])).toEqual([]);
    expect(await readdir(join(rt.runtimeDir, 'tmp'))).toEqual([]);
  });

  it('the runtime\'s own host-side reads and writes stay inside: /etc/passwd and the working directory through absolute symlinks', async () => {
    await writeFile(join(outside, 'passwd'), 'ghost:x:4242:4242::/:/bin/sh\n');
    const bb = await busyboxLayer(join(dir, 'own'));
    const trap = await hostileTar(join(dir, 'own.tar'), [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', type: 'symlink', linkname: join(outside, 'passwd') },
      { name: 'wd', type: 'symlink', linkname: outside },
    ]);
    const rt = await openOciRuntime({ root: join(dir, 'store-own') });
    const rootfs = await rt.rootfs('own', [bb.layer, await fileLayer(trap)]);
    try {
      // The host's file would know "ghost"; inside the rootfs the link dangles, so the user is unknown.
      await expect(runIn(rootfs, spec(['id'], { user: 'ghost' }))).rejects.toMatchObject({ message: 'unable to find user ghost: no matching entries in passwd file' });
      const r = await runIn(rootfs, spec(['pwd'], { cwd: '/wd/made' }));
      // Inside, /wd leads to <outside>/made of the rootfs, which the kernel reports as the cwd.
      expect(r).toMatchObject({ exitCode: 0, stdout: `${outside}/made\n` });
      await expect(lstat(join(outside, 'made'))).rejects.toMatchObject({ code: 'ENOENT' });
      expect((await lstat(join(rootfs.path, outside, 'made'))).isDirectory()).toBe(true);
    } finally {
      await rootfs.remove();
    }
  });

  it('a symlink in a lower layer does not carry an upper layer\'s files out (both snapshotters)', async () => {
    const lower = await hostileTar(join(dir, 'sym-lower.tar'), [{ name: 'esc', type: 'symlink', linkname: outside }]);
    const upper = await hostileTar(join(dir, 'sym-upper.tar'), [{ name: 'esc/planted', content: 'pwned' }]);
    for (const snapshotter of ['overlay', 'copy'] as const) {
      const rt = await openOciRuntime({ root: join(dir, `store-sym-${snapshotter}`), snapshotter });
      const rootfs = await rt.rootfs(`sym-${snapshotter}`, [await fileLayer(lower), await fileLayer(upper)]);
      try {
        expect((await lstat(join(rootfs.path, 'esc'))).isDirectory()).toBe(true);
        await expect(lstat(join(outside, 'planted'))).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        await rootfs.remove();
      }
    }
  });
});

it('120 layers stay within mount(2)\'s option limit (short lowerdir names) and stack in order', async () => {
  const bb = await busyboxLayer(join(dir, 'many'));
  const layers = [bb.layer];
  for (let i = 0; i < 120; i++) {
    const entries: HostileEntry[] = [{ name: `layers/${String(i).padStart(3, '0')}`, content: `${i}\n` }, { name: 'top', content: `${i}\n` }];
    if (i > 0) entries.push({ name: `layers/.wh.${String(i - 1).padStart(3, '0')}` });
    layers.push(await fileLayer(await hostileTar(join(dir, `many-${i}.tar`), entries)));
  }
  const rt = await openOciRuntime({ root: join(dir, 'store-many'), snapshotter: 'overlay' });
  const rootfs = await rt.rootfs('many', layers);
  try {
    expect(rootfs.snapshotter).toBe('overlay');
    expect(await runIn(rootfs, spec(['sh', '-c', 'cat /top; ls /layers']))).toMatchObject({ exitCode: 0, stdout: '119\n119\n' });
  } finally {
    await rootfs.remove();
  }
}, 60_000);
