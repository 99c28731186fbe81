// Serves a file-backed blob straight from its descriptor with a few reused buffers. A read stream
// allocates a fresh buffer for every chunk: at 1 GB/s that is enough external memory to force a
// full V8 collection every few dozen MB, which costs berthd's heap more than the copying itself.
import { read, ReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

const BUFFER = 1 << 20;
// Buffers whose last write finished, kept for the next answer; bounded so idle RSS stays flat.
const spare: Buffer[] = [];
const MAX_SPARE = 8;

/** The descriptor of a stream that reads a file and has not started yet (store-fs's blobs). */
export function fileDescriptorOf(stream: Readable): number | undefined {
  if (!(stream instanceof ReadStream)) return undefined;
  // `fd` is a number once open: a stream made from a FileHandle is open from the start.
  const fd = (stream as ReadStream & { fd?: unknown }).fd;
  return typeof fd === 'number' && stream.bytesRead === 0 && !stream.readableFlowing ? fd : undefined;
}

function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * Writes `length` bytes of `fd` from `start` to `res` (headers already set), two buffers in turn:
 * the next read fills one while the socket takes the other, and a buffer is refilled only after its
 * write completed. Rejects when the file ends early or fails, or the client goes away; the caller
 * then destroys `res`, since the status line has been sent.
 */
export async function pumpFile(fd: number, start: number, length: number, res: ServerResponse): Promise<void> {
  let gone: (err: Error) => void = () => {};
  const closed = new Promise<never>((_, reject) => (gone = reject));
  closed.catch(() => {}); // raced below; never left unhandled
  const onClose = (): void => {
    if (!res.writableFinished) gone(new Error('the client closed the connection'));
  };
  res.once('close', onClose);
  const bufs: [Buffer, Buffer] = [spare.pop() ?? Buffer.allocUnsafeSlow(BUFFER), spare.pop() ?? Buffer.allocUnsafeSlow(BUFFER)];
  const written: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let reusable = false;
  try {
    let pos = start;
    const end = start + length;
    for (let i = 0; pos < end; i++) {
      const slot = i & 1;
      const buf = slot ? bufs[1] : bufs[0];
      await Promise.race([written[slot], closed]);
      const n = await Promise.race([readAt(fd, buf, Math.min(BUFFER, end - pos), pos), closed]);
      if (n === 0) throw new Error(`the file ended ${end - pos} bytes early`);
      pos += n;
      const chunk = n === BUFFER ? buf : buf.subarray(0, n);
      written[slot] = new Promise<void>((resolve, reject) => res.write(chunk, (err) => (err ? reject(err) : resolve())));
      written[slot].catch(() => {}); // awaited in turn, or abandoned with the answer
    }
    await Promise.race([Promise.all(written), closed]);
    reusable = true;
    res.end();
  } finally {
    res.off('close', onClose);
    // A buffer still queued on a socket that failed must not be written into again.
    if (reusable) for (const b of bufs) if (spare.length < MAX_SPARE) spare.push(b);
  }
}
