// Reads a manifest or config blob whole: they are JSON documents, refused above a bounded size.
import { BerthError, type ContentStore, type Digest } from '@berth/core';

/** distribution's default limit for a manifest body. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export async function readBlob(content: ContentStore, digest: Digest, limit = 2 * MAX_MANIFEST_BYTES): Promise<Buffer> {
  const info = await content.stat(digest);
  if (!info) throw new BerthError('ERR_BLOB_UNKNOWN', `blob ${digest} is not in the store`);
  if (info.size > limit) throw new BerthError('ERR_MANIFEST_INVALID', `blob ${digest} is ${info.size} bytes, too large for a JSON document`);
  const chunks: Buffer[] = [];
  for await (const c of await content.get(digest)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
