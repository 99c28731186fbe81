import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaType, sha256 } from '@berth/core';
import { OciDir } from './oci-dir.js';

describe('OciDir', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps every tag when many writers tag the same repository at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oci-dir-'));
    dirs.push(dir);
    const bytes = Buffer.from('{"schemaVersion":2}');
    const desc = { mediaType: MediaType.OciManifest, digest: sha256(bytes), size: bytes.length };
    await new OciDir(dir, 'r').putBlob(desc, Readable.from([bytes]));
    // Separate instances, as separate berth processes would be: only the on-disk lock serialises them.
    await Promise.all(Array.from({ length: 20 }, (_, i) => new OciDir(dir, 'r').tag(desc, `t${i}`)));
    expect((await new OciDir(dir, 'r').tags()).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
  });
});
