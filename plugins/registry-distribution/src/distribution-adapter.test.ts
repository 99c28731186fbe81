// The adapter against the real docker-registry, in each auth mode: uploads (monolithic, chunked,
// mounted), manifests by tag, verified reads, token reuse, refused credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { buffer as readAll } from 'node:stream/consumers';
import { MediaType, parseNormalizedReference, type Descriptor, type Digest, type ManifestBytes } from '@berth/core';
import { startRegistry, type RegistryAuthMode, type RegistryPeer } from '@berth/testkit';
import { DistributionAdapter } from './distribution-adapter.js';

const sha = (b: Buffer): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const desc = (mediaType: string, b: Buffer): Descriptor => ({ mediaType, digest: sha(b), size: b.length });

function image(): { layer: Buffer; config: Buffer; manifest: ManifestBytes; layerDesc: Descriptor; configDesc: Descriptor } {
  const layer = randomBytes(300_000);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] }, config: {} }));
  const layerDesc = desc(MediaType.OciLayer, layer);
  const configDesc = desc(MediaType.OciConfig, config);
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: configDesc, layers: [layerDesc] }));
  return { layer, config, layerDesc, configDesc, manifest: { bytes, mediaType: MediaType.OciManifest, digest: sha(bytes) } };
}

for (const mode of ['none', 'htpasswd', 'token'] as RegistryAuthMode[]) {
  describe(`distribution adapter, auth ${mode}`, () => {
    let reg: RegistryPeer;
    const credentials = async () => (mode === 'none' ? undefined : { username: 'tester', password: 'secret-pw' });
    beforeAll(async () => {
      reg = await startRegistry({ auth: mode });
    });
    afterAll(async () => {
      await reg?.stop();
    });

    it('pushes chunked and mounted blobs, then pulls the image back verified', async () => {
      const adapter = new DistributionAdapter({ chunkSize: 100_000 });
      const img = image();
      const ref = parseNormalizedReference(`${reg.host}/berth/unit:v1`);
      const dst = await adapter.destination(ref, { credentials });
      expect(await dst.hasBlob(img.layerDesc)).toBe(false);
      await dst.putBlob(img.layerDesc, Readable.from([img.layer]));
      await dst.putBlob(img.configDesc, Readable.from([img.config]));
      expect(await dst.hasBlob(img.layerDesc)).toBe(true);
      await dst.putManifest(img.manifest, [`${reg.host}/berth/unit:v1`]);
      await dst.commit();

      const events: string[] = [];
      const other = await adapter.destination(parseNormalizedReference(`${reg.host}/berth/other:v1`), { credentials, events: (e) => events.push(e.status ?? ''), mountFrom: () => ['berth/unit'] });
      expect(await other.hasBlob(img.layerDesc)).toBe(false);
      await other.putBlob(img.layerDesc, Readable.from([img.layer]));
      expect(events).toEqual(['Mounted from berth/unit']);
      expect(await other.hasBlob(img.layerDesc)).toBe(true);
      await other.commit();

      const src = await adapter.source(ref, { credentials });
      const [top] = await src.images();
      expect(top!.descriptor.digest).toBe(img.manifest.digest);
      expect(top!.names).toEqual([`${reg.host}/berth/unit:v1`]);
      expect(await readAll(await src.getBlob(img.layerDesc))).toEqual(img.layer);
      expect(await adapter.tags(ref, { credentials })).toEqual(['v1']);
      await src.close();
    });

    it('fails a blob whose descriptor does not match what the registry holds', async () => {
      const adapter = new DistributionAdapter();
      const src = await adapter.source(parseNormalizedReference(`${reg.host}/berth/unit:v1`), { credentials });
      const [top] = await src.images();
      const m = JSON.parse((await src.getManifest(top!.descriptor.digest)).bytes.toString()) as { layers: Descriptor[] };
      const lie = { ...m.layers[0]!, digest: sha(Buffer.from('something else')) };
      await expect(src.getBlob(lie).then(readAll)).rejects.toThrow(/unknown|404|mismatch/i);
      await src.close();
    });

    if (mode !== 'none') {
      it('refuses wrong credentials at login and accepts right ones', async () => {
        const adapter = new DistributionAdapter();
        await expect(adapter.login(reg.host, { username: 'tester', password: 'wrong' })).rejects.toThrow(/unauthorized/);
        await adapter.login(reg.host, { username: 'tester', password: 'secret-pw' });
      });
    }
    if (mode === 'token') {
      it('reuses a token for the same scope instead of asking again', async () => {
        const adapter = new DistributionAdapter();
        const src = await adapter.source(parseNormalizedReference(`${reg.host}/berth/unit:v1`), { credentials });
        const before = reg.tokenServer!.requests;
        const [top] = await src.images();
        const m = JSON.parse((await src.getManifest(top!.descriptor.digest)).bytes.toString()) as { layers: Descriptor[]; config: Descriptor };
        await readAll(await src.getBlob(m.layers[0]!));
        await readAll(await src.getBlob(m.config));
        expect(reg.tokenServer!.requests - before).toBe(1);
        await src.close();
      });
    }
  });
}
