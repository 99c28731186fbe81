// Pull through mirrors configured in berth's config file, with real docker-registry instances as
// origin and mirrors: a mirror lacking the image falls back to the origin, a mirror holding it
// serves the pull with the origin stopped, push still goes to the origin, `location` remaps a
// namespace, Docker's `registry-mirrors` serve docker.io names, `blocked` refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs, rootfsTar, startRegistry, type RegistryPeer } from '@berth/testkit';
import { newStore, type Store } from './support/berth.js';

let work: string;
let origin: RegistryPeer;
let emptyMirror: RegistryPeer;
let fullMirror: RegistryPeer;
let store: Store;
let imageId: string;

const catalog = async (reg: RegistryPeer): Promise<string[]> => ((await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] }).repositories;

/** berth with a config file holding `config`, and a store of its own. */
async function withConfig(name: string, config: unknown): Promise<{ env: NodeJS.ProcessEnv }> {
  const path = join(work, `${name}.json`);
  await writeFile(path, JSON.stringify(config));
  return { env: { BERTH_CONFIG: path, DOCKER_CONFIG: join(work, 'docker') } };
}

const inspectId = async (s: Store, ref: string): Promise<string> => (await s.ok(['image', 'inspect', '-f', '{{.Id}}', ref])).trim();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mirrors-e2e-'));
  const tar = await rootfsTar(await busyboxRootfs(join(work, 'rootfs')), join(work, 'rootfs.tar'));
  [origin, emptyMirror, fullMirror] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
  store = await newStore();
  await store.ok(['import', tar, 'local/app:1']);
  imageId = await inspectId(store, 'local/app:1');
  // The origin has team/app:1; the full mirror has the same image under the same name and as
  // Docker Hub's library/busybox:1; the empty mirror has nothing.
  for (const ref of [`${origin.host}/team/app:1`, `${fullMirror.host}/team/app:1`, `${fullMirror.host}/library/busybox:1`]) {
    await store.ok(['tag', 'local/app:1', ref]);
    await store.ok(['push', ref]);
  }
});

afterAll(async () => {
  await Promise.all([origin?.stop(), emptyMirror?.stop(), fullMirror?.stop()]);
  await store?.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('pull through mirrors', () => {
  it('falls back to the origin when a mirror is down or lacks the image', async () => {
    const s = await newStore();
    try {
      // 127.0.0.1:1 refuses connections: a mirror that is down.
      const opts = await withConfig('fallback', { registries: [{ prefix: origin.host, mirrors: [{ location: '127.0.0.1:1' }, { location: emptyMirror.host, insecure: true }] }] });
      const out = await s.ok(['pull', `${origin.host}/team/app:1`], opts);
      expect(out).toContain(`Status: Downloaded newer image for ${origin.host}/team/app:1`);
      expect(await inspectId(s, `${origin.host}/team/app:1`)).toBe(imageId);
      expect(await catalog(emptyMirror)).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  it('takes the blobs a partial mirror lacks from the origin, verified', async () => {
    const partial = await startRegistry();
    const s = await newStore();
    try {
      await store.ok(['tag', 'local/app:1', `${partial.host}/team/app:1`]);
      await store.ok(['push', `${partial.host}/team/app:1`]);
      // Drop the layer blob from the mirror's storage: it has the manifest and config only.
      const manifest = (await (await fetch(`${partial.url}/v2/team/app/manifests/1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { digest: string }[] };
      const hex = manifest.layers[0]!.digest.slice('sha256:'.length);
      await rm(join(partial.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex), { recursive: true });
      expect((await fetch(`${partial.url}/v2/team/app/blobs/sha256:${hex}`)).status).toBe(404);
      const opts = await withConfig('partial', { registries: [{ prefix: origin.host, mirrors: [{ location: partial.host }] }] });
      await s.ok(['pull', `${origin.host}/team/app:1`], opts);
      expect(await inspectId(s, `${origin.host}/team/app:1`)).toBe(imageId);
    } finally {
      await s.cleanup();
      await partial.stop();
    }
  });

  it('remaps a namespace with location, mirrors included', async () => {
    const s = await newStore();
    try {
      const opts = await withConfig('location', { registries: [{ prefix: 'example.com/foo', location: `${origin.host}/team`, mirrors: [{ location: `${emptyMirror.host}/nothing` }] }] });
      const out = await s.ok(['pull', 'example.com/foo/app:1'], opts);
      expect(out.trim().split('\n').at(-1)).toBe('example.com/foo/app:1');
      expect(await inspectId(s, 'example.com/foo/app:1')).toBe(imageId);
    } finally {
      await s.cleanup();
    }
  });

  it('refuses a name a registries entry blocks', async () => {
    const opts = await withConfig('blocked', { registries: [{ prefix: `${origin.host}/team`, blocked: true }] });
    const r = await store.berth(['pull', `${origin.host}/team/app:1`], opts);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: pulling ${origin.host}/team/app is blocked by registries entry "${origin.host}/team" in berth's config\n`);
  });

  it('pushes to the origin, never to a mirror', async () => {
    const opts = await withConfig('push', { registries: [{ prefix: origin.host, mirrors: [{ location: emptyMirror.host }] }] });
    await store.ok(['tag', 'local/app:1', `${origin.host}/team/pushed:1`]);
    await store.ok(['push', `${origin.host}/team/pushed:1`], opts);
    expect(await catalog(origin)).toContain('team/pushed');
    expect(await catalog(emptyMirror)).toEqual([]);
  });

  it('serves docker.io names from Docker\'s registry-mirrors (no internet needed)', async () => {
    const s = await newStore();
    try {
      const opts = await withConfig('hub', { 'registry-mirrors': [emptyMirror.url, `${fullMirror.url}/`] });
      const out = await s.ok(['pull', 'busybox:1'], opts);
      expect(out).toContain('Status: Downloaded newer image for busybox:1');
      expect(out.trim().split('\n').at(-1)).toBe('docker.io/library/busybox:1');
      expect(await inspectId(s, 'busybox:1')).toBe(imageId);
    } finally {
      await s.cleanup();
    }
  });

  // Last: it stops the origin.
  it('pulls from a mirror holding the image without contacting the origin (origin stopped)', async () => {
    await origin.stop();
    const s = await newStore();
    try {
      const without = await s.berth(['pull', `${origin.host}/team/app:1`], { env: { DOCKER_CONFIG: join(work, 'docker'), BERTH_REGISTRY_TIMEOUT: '5' } });
      expect(without.code).toBe(1);
      const opts = await withConfig('full', { registries: [{ prefix: origin.host, mirrors: [{ location: emptyMirror.host }, { location: fullMirror.host, insecure: true }] }] });
      const out = await s.ok(['pull', `${origin.host}/team/app:1`], opts);
      expect(out.trim().split('\n').at(-1)).toBe(`${origin.host}/team/app:1`);
      expect(await inspectId(s, `${origin.host}/team/app:1`)).toBe(imageId);
      // Named by what was asked for: the repo digest is the origin's name, not the mirror's.
      expect(await s.ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${origin.host}/team/app:1`])).toContain(`"${origin.host}/team/app@sha256:`);
    } finally {
      await s.cleanup();
    }
  });
});
