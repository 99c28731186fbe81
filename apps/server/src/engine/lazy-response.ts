// A streamed Engine answer whose status is decided by its first byte: an operation that fails
// before writing anything answers with dockerd's status and `{"message"}`; once output has started
// (200 sent), a JSON stream ends with Docker's error message and a tar stream is cut short.
import { Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dockerJsonMessage as jsonMessage, throttleProgress, type EventSink, type ProgressEvent } from '@berth/core';
import { toEngineError } from './engine-error.js';

export class LazyResponse {
  private started = false;
  private ended = false;
  private readonly aborter = new AbortController();

  constructor(private readonly req: FastifyRequest, private readonly reply: FastifyReply, private readonly contentType: string) {
    reply.hijack();
    // A client that goes away stops the work (a pull, a save) instead of feeding a dead socket.
    reply.raw.once('close', () => {
      if (!this.ended) this.aborter.abort(new Error('the client closed the connection'));
    });
  }

  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.reply.raw.statusCode = 200;
    this.reply.raw.setHeader('content-type', this.contentType);
  }

  /** Docker JSON messages, one per line as dockerd writes them. */
  readonly messages: EventSink = (e) => {
    if (this.ended) return;
    this.start();
    this.reply.raw.write(`${JSON.stringify(jsonMessage(e))}\r\n`);
  };

  /** The same, with progress updates rate-limited per layer as dockerd's (10 a second). */
  readonly progress: EventSink = throttleProgress(this.messages);

  /** Raw bytes (a tar), with the socket's backpressure. */
  writable(): Writable {
    const res = this.reply.raw;
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.start();
        if (res.write(chunk)) cb();
        else res.once('drain', () => cb());
      },
    });
  }

  /** Ends the answer: `err` undefined for success. */
  finish(err?: unknown, emptyStatus = 200): void {
    if (this.ended) return;
    this.ended = true;
    const res = this.reply.raw;
    if (err === undefined) {
      if (!this.started) {
        res.statusCode = emptyStatus;
        res.setHeader('content-type', this.contentType);
      }
      res.end();
      return;
    }
    const e = toEngineError(err);
    if (e.status >= 500) this.req.log.error({ err }, 'engine request failed');
    else this.req.log.info({ status: e.status }, e.message);
    if (!this.started) {
      res.statusCode = e.status;
      res.setHeader('content-type', 'application/json');
      res.end(`${JSON.stringify({ message: e.message })}\n`);
    } else if (this.contentType === 'application/json') {
      res.end(`${JSON.stringify(jsonMessage({ error: e.message }))}\r\n`);
    } else {
      res.destroy(e); // a tar cut short: the client sees an unexpected end, never a whole-looking archive
    }
  }
}
