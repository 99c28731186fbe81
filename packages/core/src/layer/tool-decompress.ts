// xz, bzip2 and zstd archives (`docker load` and `docker import` read them; a Dockerfile's ADD
// extracts xz and bzip2) are decompressed by the system's own tools, as moby does for xz: a
// streaming decoder at native speed in a process of its own, and no decoder of ours to trust.
import { spawn } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, type ErrorCode } from '../errors.js';

export type ToolCompression = 'xz' | 'bzip2' | 'zstd';

/** The decompressing command of each format, and the Debian package that has it. */
const TOOLS: Record<ToolCompression, { command: string; debianPackage: string }> = {
  xz: { command: 'xz', debianPackage: 'xz-utils' },
  bzip2: { command: 'bzip2', debianPackage: 'bzip2' },
  zstd: { command: 'zstd', debianPackage: 'zstd' },
};

/** What the tool said last (its error), on one line. */
function lastLine(stderr: string): string {
  return stderr.trim().split('\n').at(-1)?.trim() ?? '';
}

/**
 * The decompressed bytes of `input`, which starts with `compression`'s magic. The stream ends only
 * once the tool exited 0, so a truncated or corrupt input is an error (`code`, one line), never a
 * short tar. Destroying the result stops the tool and the input.
 */
export function decompressWithTool(input: Readable, compression: ToolCompression, what: string, code: ErrorCode): Readable {
  const { command, debianPackage } = TOOLS[compression];
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn(command, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  let settled = false;
  const fail = (err: Error): void => {
    if (settled) return;
    settled = true;
    out.destroy(err);
    child.kill('SIGKILL');
    input.destroy();
  };
  child.on('error', (err: NodeJS.ErrnoException) => {
    fail(err.code === 'ENOENT'
      ? new BerthError('ERR_UNSUPPORTED', `${what}: ${compression}-compressed, and ${command} is not installed to read it (Debian: apt-get install ${debianPackage})`)
      : new BerthError(code, `${what}: cannot run ${command}: ${err.message}`, { cause: err }));
  });
  // A tool that stops early (corrupt data) closes its stdin: the EPIPE is an echo of its exit status.
  child.stdin.on('error', () => {});
  pipeline(input, child.stdin).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') fail(err);
  });
  child.stdout.pipe(out, { end: false });
  child.on('close', (status, signal) => {
    if (settled) return;
    if (status === 0) {
      settled = true;
      out.end();
      return;
    }
    const why = lastLine(stderr) || (signal ? `${command} was killed by ${signal}` : `${command} exited with status ${status}`);
    fail(new BerthError(code, `${what}: corrupt or truncated ${compression} stream (${why})`));
  });
  // The reader gave up (a refused tar, an abort): the tool and the input go too.
  out.on('close', () => {
    if (!settled) fail(new BerthError('ERR_ABORTED', `${what}: reading stopped`));
  });
  return out;
}
