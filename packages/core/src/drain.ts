// Reading a tar entry's body to its end unused (a directory's, a link's), so the extractor moves on.
import type { Readable } from 'node:stream';

export function drain(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on('end', resolve).on('error', reject);
    body.resume();
  });
}
