// A container's output for Docker clients: GET /logs and POST /attach, framed as Docker's
// multiplexed stream (raw with a TTY), with only the streams the client asked for.
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { ContainerService } from '@berth/core';
import { EngineError } from './engine-error.js';
import { boolParam } from './engine-filters.js';
import type { EngineRequest } from './image-routes.js';
import { LazyResponse } from './lazy-response.js';
import type { ContainerHub } from './container-hub.js';
import { stdContentType, stdFrame, type StdStream } from './stdcopy.js';

/** Writables that frame what they get for one client: the multiplexed stream, or raw with a TTY. */
function framedOutput(target: NodeJS.WritableStream, tty: boolean): Record<StdStream, Writable> {
  const writer = (stream: StdStream): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        if (target.write(stdFrame(stream, Buffer.from(chunk), tty))) cb();
        else target.once('drain', () => cb());
      },
    });
  return { stdout: writer('stdout'), stderr: writer('stderr') };
}

/** The container's output for one client: framed, and the streams it did not ask for discarded. */
function outputFor(target: NodeJS.WritableStream, tty: boolean, streams: Set<StdStream>): Record<StdStream, Writable> {
  const framed = framedOutput(target, tty);
  const discard = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });
  return { stdout: streams.has('stdout') ? framed.stdout : discard(), stderr: streams.has('stderr') ? framed.stderr : discard() };
}

function streamsAsked(q: URLSearchParams): Set<StdStream> {
  const s = new Set<StdStream>();
  if (boolParam(q.get('stdout'))) s.add('stdout');
  if (boolParam(q.get('stderr'))) s.add('stderr');
  return s;
}

/** GET /logs: the json-file log, framed unless the container has a TTY; `follow` until it stops. */
export async function containerLogs(containers: ContainerService, name: string, r: EngineRequest): Promise<void> {
  const q = r.query;
  const streams = streamsAsked(q);
  if (streams.size === 0) throw new EngineError(400, 'Bad parameters: you must choose at least one stream');
  const tail = q.get('tail');
  const n = tail === null || tail === 'all' ? undefined : Number.parseInt(tail, 10);
  // Unix seconds (`1732852800.000000000`, what the docker CLI makes of --since/--until), 0 when unset.
  const bound = (flag: 'since' | 'until'): number | undefined => {
    const v = q.get(flag) ?? '';
    if (!/^\d+(\.\d{1,9})?$/.test(v)) {
      if (v === '') return undefined;
      throw new EngineError(400, `invalid value for "${flag}": expected Unix seconds, got "${v}"`);
    }
    return Number(v) === 0 ? undefined : Number(v) * 1000;
  };
  const since = bound('since');
  const until = bound('until');
  const rec = await containers.find(name);
  const tty = rec.Config.Tty ?? false;
  const out = new LazyResponse(r.req, r.reply, stdContentType(tty));
  try {
    await containers.logs(rec.Id, outputFor(out.writable(), tty, streams), {
      timestamps: boolParam(q.get('timestamps')),
      follow: boolParam(q.get('follow')),
      ...(n !== undefined && n >= 0 ? { tail: n } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
    out.finish();
  } catch (err) {
    out.finish(err);
  }
}

/**
 * POST /attach: the connection is taken over (`101 UPGRADED`, as dockerd answers docker's
 * `Upgrade: tcp`), the log replayed first with `logs=1`, then the live streams until the run ends.
 */
export async function attachContainer(hub: ContainerHub, name: string, r: EngineRequest): Promise<void> {
  const q = r.query;
  const rec = await hub.containers.find(name);
  const tty = rec.Config.Tty ?? false;
  const socket = r.req.raw.socket as Socket;
  r.reply.hijack();
  const upgraded = r.req.headers.upgrade !== undefined;
  socket.write(
    `HTTP/1.1 ${upgraded ? '101 UPGRADED' : '200 OK'}\r\nContent-Type: ${stdContentType(tty)}\r\n` +
      `${upgraded ? 'Connection: Upgrade\r\nUpgrade: tcp\r\n' : ''}Api-Version: ${r.reply.raw.getHeader('api-version') as string}\r\n\r\n`,
  );
  const streams = streamsAsked(q);
  if (boolParam(q.get('logs'))) await hub.containers.logs(rec.Id, outputFor(socket, tty, streams));
  if (!boolParam(q.get('stream'))) return void socket.end();
  if (rec.State.Running && !hub.runsHere(rec.Id)) {
    // Run by another process: its output from the log, until it stops; its stdin is that process's.
    const gone = new AbortController();
    socket.once('close', () => gone.abort());
    hub.emit(rec, 'attach');
    await hub.containers.followOutput(rec.Id, outputFor(socket, tty, streams), gone.signal).catch(() => undefined);
    return void socket.end();
  }
  hub.attach(rec, socket, { stdin: boolParam(q.get('stdin')), streams });
}
