// COPY and ADD never write outside the image's rootfs, nor read outside the context: symlinks in
// the context resolve inside the context, symlinks in the image resolve inside the image, and
// archives whose entries climb out are refused. Each case checks the host stayed untouched.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfs, hostileTar, rootfsTar } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';
import { imageTree } from './support/image-tree.js';

const BASE = 'berth-sec/busybox:1';
let work: string;
let store: Store;
let outside: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'build-sec-'));
  outside = await mkdtemp(join(tmpdir(), 'build-sec-outside-'));
  await writeFile(join(outside, 'secret'), 'host secret\n');
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'busybox.tar'));
  store = await newStore();
  await store.ok(['import', tar, BASE]);
});

afterAll(async () => {
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function context(name: string, dockerfile: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

async function tree(tag: string): Promise<Map<string, { type: string; sha256?: string; link?: string }>> {
  const archive = join(work, `${tag.replace(/[/:]/g, '_')}.tar`);
  await store.ok(['save', '-o', archive, tag]);
  return imageTree(archive);
}

describe('COPY/ADD and symlinks', () => {
  it('a context symlink to a host directory is resolved inside the context: nothing of the host is read', async () => {
    const ctx = await context('ctx-abs', `FROM ${BASE}\nCOPY hostdir/secret /stolen\n`);
    await symlink(outside, join(ctx, 'hostdir'));
    const r = await store.berth(['build', '-t', 'sec/abs:1', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('COPY failed: file not found in build context or excluded by .dockerignore: stat hostdir/secret: file does not exist');
  });

  it('a relative context symlink climbing out of the context stays inside it', async () => {
    const ctx = await context('ctx-rel', `FROM ${BASE}\nCOPY up/secret /stolen\n`);
    await symlink(`../../../../../../../../..${outside}`, join(ctx, 'up'));
    const r = await store.berth(['build', '-t', 'sec/rel:1', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('file not found in build context');
  });

  it('a directory copied with symlinks inside keeps them as symlinks (never their host targets)', async () => {
    const ctx = await context('ctx-inner', `FROM ${BASE}\nCOPY dir /dir\n`);
    await mkdir(join(ctx, 'dir'));
    await symlink(join(outside, 'secret'), join(ctx, 'dir', 'link'));
    await store.ok(['build', '-t', 'sec/inner:1', ctx]);
    const t = await tree('sec/inner:1');
    expect(t.get('dir/link')).toMatchObject({ type: 'symlink', link: join(outside, 'secret') });
  });

  it('COPY through a symlink of the image lands inside the rootfs, never on the host', async () => {
    const marker = `berth-marker-${randomBytes(6).toString('hex')}`;
    const ctx = await context('img-link', `FROM ${BASE}\nCOPY links/ /\nCOPY ${marker} /evil/\nCOPY ${marker} /climb/\nADD ${marker} /evil/added/\n`);
    await mkdir(join(ctx, 'links'));
    await symlink('/etc', join(ctx, 'links', 'evil'));
    await symlink('/../../../../../tmp', join(ctx, 'links', 'climb'));
    await writeFile(join(ctx, marker), 'inside\n');
    await store.ok(['build', '-t', 'sec/img:1', ctx]);
    expect(existsSync(join('/etc', marker))).toBe(false);
    expect(existsSync(join('/tmp', marker))).toBe(false);
    const t = await tree('sec/img:1');
    expect(t.get(`etc/${marker}`)?.type).toBe('file');
    expect(t.get(`tmp/${marker}`)?.type).toBe('file');
    expect(t.get(`etc/added/${marker}`)?.type).toBe('file');
    expect(t.get('evil')).toMatchObject({ type: 'symlink', link: '/etc' });
  });

  it('ADD refuses an archive whose entries climb out with ../, and writes nothing', async () => {
    const marker = `berth-escape-${randomBytes(6).toString('hex')}`;
    const ctx = await context('add-climb', `FROM ${BASE}\nADD evil.tar /x/\n`);
    await hostileTar(join(ctx, 'evil.tar'), [{ name: `../../../../../../tmp/${marker}`, type: 'file', content: 'escaped\n' }]);
    const r = await store.berth(['build', '-t', 'sec/climb:1', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/climbs out of the root/);
    expect(existsSync(join('/tmp', marker))).toBe(false);
  });

  it('ADD of an archive writing through its own symlink stays inside the image', async () => {
    const marker = `berth-through-${randomBytes(6).toString('hex')}`;
    const ctx = await context('add-through', `FROM ${BASE}\nADD through.tar /x/\n`);
    await hostileTar(join(ctx, 'through.tar'), [
      { name: 'link', type: 'symlink', linkname: '/etc' },
      { name: `link/${marker}`, type: 'file', content: 'through\n' },
    ]);
    await store.ok(['build', '-t', 'sec/through:1', ctx]);
    expect(existsSync(join('/etc', marker))).toBe(false);
    const t = await tree('sec/through:1');
    expect(t.get(`etc/${marker}`)?.type).toBe('file');
  });

  it('RUN sees the image\'s files, not the host\'s: no host path is visible unless mounted', async () => {
    const ctx = await context('run-host', `FROM ${BASE}\nRUN test ! -e ${outside}/secret && test ! -e /work && test ! -e /root/.npm && echo isolated > /isolated\n`);
    const r = await store.berth(['build', '-t', 'sec/run:1', ctx]);
    expect(r.code, r.stderr).toBe(0);
    const t = await tree('sec/run:1');
    expect(t.get('isolated')?.type).toBe('file');
  });
});
