// Small in-memory tars for the layer and archive unit tests (test fixtures: a few KiB each).
import { pack, type Header } from 'tar-stream';

export type Entry = Partial<Header> & { name: string; body?: string | Buffer };

export async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => p.on('end', r));
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => p.entry({ mtime: new Date(0), ...header }, body ?? '', (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
