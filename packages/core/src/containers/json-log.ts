// Docker's json-file log driver format: one JSON object a line, `{"log":"…","stream":"stdout",
// "time":"RFC3339Nano"}`, a line per newline-terminated piece (a partial line is flushed as its own
// entry). `logs` reads them back and sends each to stdout or stderr.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { formatRFC3339Nano, parseRFC3339 } from './time.js';
import { parseTimestamp } from '../images/filters.js';
import { BerthError, fromSystemError } from '../errors.js';

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/**
 * One log file shared by both streams; `stream(kind)` gives a Writable that tags its lines.
 * A log that cannot be written (a full disk) loses its lines, not the container: as dockerd's
 * json-file driver, the process and an attached terminal go on; `error` says what was lost.
 */
export class JsonLogWriter {
  private readonly file: WriteStream;
  /** Why lines stopped reaching the file, once one could not be written. */
  error: Error | undefined;

  constructor(path: string) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', (err) => {
      this.error ??= fromSystemError(err, `writing the log ${path}`) as Error;
    });
  }

  stream(kind: 'stdout' | 'stderr', tee?: NodeJS.WritableStream): Writable {
    let pending = '';
    const emit = (text: string): void => {
      if (this.error) return;
      this.file.write(`${JSON.stringify({ log: text, stream: kind, time: formatRFC3339Nano(new Date()) })}\n`);
    };
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        tee?.write(chunk);
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          emit(pending.slice(0, nl + 1));
          pending = pending.slice(nl + 1);
        }
        cb();
      },
      final: (cb) => {
        if (pending !== '') emit(pending);
        pending = '';
        cb();
      },
    });
  }

  close(): Promise<void> {
    if (this.error || this.file.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.file.end(() => resolve()));
  }
}

export interface ReadLogOptions {
  /** Prefix each line with its time (`-t`). */
  timestamps?: boolean;
  /** Only the last N lines (`--tail`); undefined for all. */
  tail?: number;
  /** `-f`: keep reading while this says the container runs. */
  follow?: () => Promise<boolean>;
  /** `--since`: only entries written at or after this (epoch ms); applied after `tail`, as moby does. */
  since?: number;
  /** `--until`: only entries written at or before this (epoch ms); `-f` stops once it has passed. */
  until?: number;
}

/** `--since`/`--until` as docker's CLI reads them (a duration back from `now`, RFC 3339, Unix seconds), in epoch ms. */
export function logTimeBound(flag: 'since' | 'until', value: string, now: number): number {
  try {
    return parseTimestamp(value, now);
  } catch (err) {
    throw new BerthError('ERR_INVALID_ARGUMENT', `invalid value for "${flag}": ${(err as Error).message}`);
  }
}

/** Writes one entry where it belongs, if it falls within `since`/`until`. */
function entryWriter(out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, opts: ReadLogOptions): (e: LogEntry) => void {
  return (e) => {
    if (opts.since !== undefined || opts.until !== undefined) {
      const t = parseRFC3339(e.time).getTime();
      if ((opts.since !== undefined && t < opts.since) || (opts.until !== undefined && t > opts.until)) return;
    }
    const target = e.stream === 'stderr' ? out.stderr : out.stdout;
    target.write(opts.timestamps ? `${e.time} ${e.log}` : e.log);
  };
}

/** Writes a container's log to the two outputs, in order. A missing log is an empty one. */
export async function readJsonLog(path: string, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, opts: ReadLogOptions = {}): Promise<void> {
  const entries: LogEntry[] = [];
  // What is there now is read as a stream; -f goes on from this offset.
  const size = await stat(path).then((st) => st.size, () => 0);
  if (size === 0) {
    if (opts.follow) await followFrom(path, 0, out, opts);
    return;
  }
  const input = createReadStream(path, { end: size - 1 });
  const missing = new Promise<boolean>((resolve) => {
    input.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT'));
    input.once('open', () => resolve(false));
  });
  if (await missing) return;
  const write = entryWriter(out, opts);
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line === '') continue;
    let e: LogEntry;
    try {
      e = JSON.parse(line) as LogEntry;
    } catch {
      continue; // a line cut by a crash
    }
    if (opts.tail === undefined) write(e);
    else {
      entries.push(e);
      if (entries.length > opts.tail) entries.shift();
    }
  }
  for (const e of entries) write(e);
  if (opts.follow) await followFrom(path, size, out, opts);
}

async function followFrom(path: string, offset: number, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, opts: ReadLogOptions): Promise<void> {
  let pending = '';
  const write = entryWriter(out, opts);
  for (;;) {
    // Checked before reading, so the last lines written before the exit are still read.
    const running = await opts.follow!();
    const size = await stat(path).then((st) => st.size, () => offset);
    if (size > offset) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        await fh.read(buf, 0, buf.length, offset);
        pending += buf.toString('utf8');
      } finally {
        await fh.close();
      }
      offset = size;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          write(JSON.parse(line) as LogEntry);
        } catch {
          // a torn line
        }
      }
    }
    if (!running || (opts.until !== undefined && Date.now() > opts.until)) return;
    await sleep(100);
  }
}
