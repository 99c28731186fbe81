// Reading small blobs (configs, manifests) whole: they are JSON documents of bounded size.
import { BerthError } from '../errors.js';
import type { Digest } from '../digest.js';
import type { ContentStore } from '../contracts/content-store.js';

/** Configs and manifests are small; anything larger than this is refused rather than read. */
export const MAX_JSON_BLOB = 8 * 1024 * 1024;

export async function readBlob(content: ContentStore, digest: Digest): Promise<Buffer> {
  const info = await content.stat(digest);
  if (!info) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${digest} is not in the store`);
  if (info.size > MAX_JSON_BLOB) throw new BerthError('ERR_MANIFEST_INVALID', `blob ${digest} is ${info.size} bytes, too large for a JSON document`);
  const chunks: Buffer[] = [];
  for await (const c of await content.get(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function readBlobText(content: ContentStore, digest: Digest): Promise<string> {
  return (await readBlob(content, digest)).toString('utf8');
}
