// Prometheus text exposition at /metrics: requests by method and status, bytes served and received,
// open upload sessions and the store's size. Counters live in memory; a restart starts them at 0.
import { readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { StoreBackend } from '@berth/core';

export class Metrics {
  private readonly requests = new Map<string, number>();
  bytesSent = 0;
  bytesReceived = 0;
  private gcRuns = 0;
  private gcDeletedBlobs = 0;
  private gcReclaimedBytes = 0;

  /** One scheduled garbage collection's outcome (a separate `berthd gc` process counts its own). */
  recordGc(result: { deleted: readonly unknown[]; reclaimed: number }): void {
    this.gcRuns++;
    this.gcDeletedBlobs += result.deleted.length;
    this.gcReclaimedBytes += result.reclaimed;
  }

  countRequest(method: string, status: number): void {
    const key = `method="${method}",code="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  render(gauges: { uploadSessions: number; storeBytes: number }): string {
    const lines = [
      '# HELP berthd_http_requests_total HTTP requests answered, by method and status code.',
      '# TYPE berthd_http_requests_total counter',
      ...[...this.requests].sort().map(([labels, n]) => `berthd_http_requests_total{${labels}} ${n}`),
      '# HELP berthd_http_response_bytes_total Bytes of response bodies sent (blobs, manifests, Engine API answers and streams).',
      '# TYPE berthd_http_response_bytes_total counter',
      `berthd_http_response_bytes_total ${this.bytesSent}`,
      '# HELP berthd_upload_bytes_total Blob bytes received by uploads.',
      '# TYPE berthd_upload_bytes_total counter',
      `berthd_upload_bytes_total ${this.bytesReceived}`,
      '# HELP berthd_upload_sessions Upload sessions open on disk.',
      '# TYPE berthd_upload_sessions gauge',
      `berthd_upload_sessions ${gauges.uploadSessions}`,
      '# HELP berthd_store_blob_bytes Bytes the blobs of the store take, each blob once.',
      '# TYPE berthd_store_blob_bytes gauge',
      `berthd_store_blob_bytes ${gauges.storeBytes}`,
      '# HELP berthd_gc_runs_total Scheduled garbage collections completed.',
      '# TYPE berthd_gc_runs_total counter',
      `berthd_gc_runs_total ${this.gcRuns}`,
      '# HELP berthd_gc_deleted_blobs_total Blobs deleted by scheduled garbage collections.',
      '# TYPE berthd_gc_deleted_blobs_total counter',
      `berthd_gc_deleted_blobs_total ${this.gcDeletedBlobs}`,
      '# HELP berthd_gc_reclaimed_bytes_total Bytes freed by scheduled garbage collections.',
      '# TYPE berthd_gc_reclaimed_bytes_total counter',
      `berthd_gc_reclaimed_bytes_total ${this.gcReclaimedBytes}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

/**
 * Counts every answer when its response ends — also the streamed ones the Engine face writes
 * itself (pulls, saves, logs), which skip fastify's hooks — and the body bytes written to it,
 * whether or not a Content-Length announced them.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, backend: StoreBackend): void {
  app.addHook('onRequest', async (req, reply) => {
    const res = reply.raw;
    let body = 0;
    const count = (chunk: unknown): void => {
      if (typeof chunk === 'string') body += Buffer.byteLength(chunk);
      else if (chunk instanceof Uint8Array) body += chunk.byteLength;
    };
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      count(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') count(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    let counted = false;
    const done = (): void => {
      if (counted) return;
      counted = true;
      metrics.countRequest(req.method, res.statusCode);
      metrics.bytesSent += body;
    };
    res.once('finish', done);
    res.once('close', done);
  });
  app.get('/metrics', async (_req, reply) => {
    const staging = (await backend.content.stagingDir?.()) ?? undefined;
    const uploadSessions = staging ? (await readdir(staging).catch(() => [] as string[])).filter((n) => n.startsWith('berthd-upload-')).length : 0;
    const body = metrics.render({ uploadSessions, storeBytes: await backend.physicalSize() });
    return reply.header('content-type', 'text/plain; version=0.0.4').send(body);
  });
}
