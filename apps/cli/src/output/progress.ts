// Draws the event stream as Docker's CLI does (jsonmessage.go): on a terminal one line per layer
// with a live bar; otherwise only the lines without progress, so logs stay readable.
import type { Writable } from 'node:stream';
import type { EventSink, ProgressEvent } from '@berth/core';
import { dockerJsonMessage, humanSize, throttleProgress } from '@berth/core';

export interface Progress {
  sink: EventSink;
  done(): void;
}

export function progressBar(current: number, total: number, width = 50): string {
  if (total <= 0) return '';
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = `${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}`.padEnd(width, ' ');
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

export interface ProgressOptions {
  quiet?: boolean;
  /**
   * Print status lines (`id: Pull complete`) when not on a terminal. Docker's load sends only
   * progress there, so `docker load | cat` shows just "Loaded image: …"; pull shows its lines.
   */
  plainStatusLines?: boolean;
  /** Every event as one line of Docker's JSONMessage (NDJSON), for programs; progress throttled to 10 a second per layer. */
  json?: boolean;
}

export function createProgress(out: Writable & { isTTY?: boolean }, opts: ProgressOptions = {}): Progress {
  if (opts.json) return { sink: throttleProgress((e) => void out.write(`${JSON.stringify(dockerJsonMessage(e))}\n`)), done: () => {} };
  const tty = Boolean(out.isTTY) && !opts.quiet;
  const lines: string[] = []; // ids in the order their lines were drawn (terminal only)
  const write = (s: string): void => void out.write(s);

  const sink = (e: ProgressEvent): void => {
    if (e.error) return write(`${e.error}\n`);
    if (e.stream !== undefined) return write(e.stream);
    if (e.aux) return; // records for programs (a push's digest), never printed, as in jsonmessage
    if (opts.quiet) return;
    const text = `${e.id ? `${e.id}: ` : ''}${e.status ?? ''}`;
    const detail = e.progressDetail;
    if (!tty) {
      if (!opts.plainStatusLines || (detail && detail.total && e.status && !/complete|exists/i.test(e.status))) return;
      return write(`${text}\n`);
    }
    const bar = detail?.total ? ` ${progressBar(detail.current ?? 0, detail.total)}` : '';
    if (!e.id) return write(`${text}${bar}\n`);
    const index = lines.indexOf(e.id);
    if (index < 0) {
      lines.push(e.id);
      write(`${text}${bar}\n`);
      return;
    }
    // Move up to the layer's line, redraw it, come back down.
    const up = lines.length - index;
    write(`\x1b[${up}A\r\x1b[2K${text}${bar}\r\x1b[${up}B`);
  };
  return { sink, done: () => {} };
}
