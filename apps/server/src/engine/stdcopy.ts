// Docker's multiplexed stream (moby's pkg/stdcopy): when a container has no TTY, attach and logs
// interleave stdout and stderr on one connection, each piece behind an 8-byte header — the stream
// (1 stdout, 2 stderr), three zero bytes, the payload's length as a big-endian uint32.
export type StdStream = 'stdout' | 'stderr';

const STREAM_BYTE: Record<StdStream, number> = { stdout: 1, stderr: 2 };

/** One frame; a TTY container's output is sent raw instead (`tty`). */
export function stdFrame(stream: StdStream, payload: Buffer, tty: boolean): Buffer {
  if (tty) return payload;
  const header = Buffer.alloc(8);
  header[0] = STREAM_BYTE[stream];
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** The content type dockerd answers attach and logs with. */
export function stdContentType(tty: boolean): string {
  return tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
}
