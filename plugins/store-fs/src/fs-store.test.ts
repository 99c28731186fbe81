// Opening a store: the layout it creates, what it refuses, the temp files it cleans, the plugin.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLUGIN_API_VERSION, type StoreBackend, type StoreFactoryOptions } from '@berth/core';
import { codeOf, putContractImage } from '@berth/testkit';
import { openFsStore, storeFsPlugin } from './index.js';
import { RESERVE_BYTES } from './reserve.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-fs-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));


describe('openFsStore', () => {
  it('creates an empty OCI image layout with berth/ beside it, in a directory that did not exist', async () => {
    const root = join(dir, 'a', 'b');
    await openFsStore({ root });
    expect(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(await readFile(join(root, 'index.json'), 'utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
    expect((await readdir(root)).sort()).toEqual(['berth', 'blobs', 'index.json', 'oci-layout']);
    expect(await readdir(join(root, 'blobs'))).toEqual(['sha256']);
    expect((await readdir(join(root, 'berth'))).sort()).toEqual(['reserve', 'tmp']);
    // Space kept so that rmi and prune can commit on a full disk (reserve.ts).
    expect((await stat(join(root, 'berth', 'reserve'))).size).toBe(RESERVE_BYTES);
  });

  it('opens an existing store without touching its images', async () => {
    const root = join(dir, 'store');
    const first = await openFsStore({ root });
    const image = await putContractImage(first.content, 'kept');
    await first.metadata.update((draft) => {
      draft.images.set(image.id, image);
      draft.tags.set('docker.io/library/kept:1', image.id);
    });
    const again = await openFsStore({ root });
    expect((await again.metadata.read()).tags.get('docker.io/library/kept:1')).toBe(image.id);
  });

  it('many processes opening a new store at once agree on one layout', async () => {
    const root = join(dir, 'racy');
    const stores = await Promise.all(Array.from({ length: 8 }, () => openFsStore({ root })));
    const image = await putContractImage(stores[0]!.content, 'x');
    await stores[0]!.metadata.update((draft) => {
      draft.images.set(image.id, image);
    });
    await openFsStore({ root });
    expect((await stores[7]!.metadata.read()).images.size).toBe(1);
  });

  it('refuses a root whose index.json or oci-layout is not valid, with ERR_STORE_CORRUPT', async () => {
    const bad = join(dir, 'bad-index');
    await mkdir(bad);
    await writeFile(join(bad, 'index.json'), '{"schemaVersion":2,"manifests":{}}');
    expect(await codeOf(openFsStore({ root: bad }))).toBe('ERR_STORE_CORRUPT');
    await writeFile(join(bad, 'index.json'), 'not json');
    expect(await codeOf(openFsStore({ root: bad }))).toBe('ERR_STORE_CORRUPT');
    await writeFile(join(bad, 'index.json'), '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:nothex","size":1}]}');
    expect(await codeOf(openFsStore({ root: bad }))).toBe('ERR_STORE_CORRUPT');

    const badLayout = join(dir, 'bad-layout');
    await mkdir(badLayout);
    await writeFile(join(badLayout, 'oci-layout'), '{"something":"else"}');
    expect(await codeOf(openFsStore({ root: badLayout }))).toBe('ERR_STORE_CORRUPT');
  });

  it('removes temp files older than an hour and keeps recent ones', async () => {
    const root = join(dir, 'store');
    await openFsStore({ root });
    const tmp = join(root, 'berth', 'tmp');
    await writeFile(join(tmp, 'blob.123.old.tmp'), 'left by a killed ingest');
    await mkdir(join(tmp, 'staging-old'));
    await writeFile(join(tmp, 'blob.456.new.tmp'), 'being written right now');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(join(tmp, 'blob.123.old.tmp'), twoHoursAgo, twoHoursAgo);
    await utimes(join(tmp, 'staging-old'), twoHoursAgo, twoHoursAgo);
    await openFsStore({ root });
    expect(await readdir(tmp)).toEqual(['blob.456.new.tmp']);
  });

  it('describes itself by its root and counts each blob once in physicalSize', async () => {
    const store = await openFsStore({ root: join(dir, 'store') });
    expect(store.describe()).toContain(join(dir, 'store'));
    await store.content.put(Readable.from([Buffer.alloc(1000, 1)]));
    await store.content.put(Readable.from([Buffer.alloc(1000, 1)]));
    await store.content.put(Readable.from([Buffer.alloc(24, 2)]));
    expect(await store.physicalSize()).toBe(1024);
  });
});

describe('storeFsPlugin', () => {
  it('declares itself and provides store:fs, whose factory opens a store at the root', async () => {
    expect(storeFsPlugin.name).toBe('@berth/store-fs');
    expect(storeFsPlugin.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(storeFsPlugin.provides).toEqual(['store:fs']);
    const factories = new Map<string, (o: StoreFactoryOptions) => Promise<StoreBackend>>();
    await storeFsPlugin.register({ provideStore: (name, factory) => factories.set(name, factory) });
    expect([...factories.keys()]).toEqual(['store:fs']);
    const backend = await factories.get('store:fs')!({ root: join(dir, 'via-plugin') });
    expect((await backend.metadata.read()).images.size).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'via-plugin', 'oci-layout'), 'utf8')).imageLayoutVersion).toBe('1.0.0');
  });
});
