// One progress/event stream for every long operation, shaped like Docker's JSONMessage so the
// CLI can draw bars or lines and the server can stream it to Docker clients unchanged.

export interface ProgressDetail {
  current?: number;
  total?: number;
}

export interface ProgressEvent {
  /** Short layer or image ID the line is about (Docker's `id`). */
  id?: string;
  status?: string;
  progressDetail?: ProgressDetail;
  /** Docker's pre-rendered progress bar; the CLI renders its own from progressDetail. */
  progress?: string;
  /** Free text, as `docker load` prints "Loaded image: …". */
  stream?: string;
  error?: string;
  /** Docker's errorDetail.code: the exit status the docker CLI takes (a failed RUN's). */
  errorCode?: number;
  aux?: Record<string, unknown>;
}

export type EventSink = (event: ProgressEvent) => void;

/** An event as Docker's JSONMessage (jsonmessage.go): what dockerd streams and `--json` prints. */
export function dockerJsonMessage(e: ProgressEvent): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (e.status !== undefined) m.status = e.status;
  if (e.progressDetail !== undefined) m.progressDetail = e.progressDetail;
  if (e.id !== undefined) m.id = e.id;
  if (e.stream !== undefined) m.stream = e.stream;
  if (e.aux !== undefined) m.aux = e.aux;
  if (e.error !== undefined) {
    m.errorDetail = { ...(e.errorCode !== undefined ? { code: e.errorCode } : {}), message: e.error };
    m.error = e.error;
  }
  return m;
}

export const discardEvents: EventSink = () => {};

/**
 * Passes at most one progress update per `id` every `intervalMs` (and always its last, complete
 * one), as dockerd rate-limits its progress readers; every other event passes at once.
 */
export function throttleProgress(out: EventSink, intervalMs = 100, now: () => number = Date.now): EventSink {
  const last = new Map<string, number>();
  return (e) => {
    const d = e.progressDetail;
    if (e.id === undefined || !d || d.current === undefined || d.total === undefined || d.current >= d.total) return out(e);
    const t = now();
    const key = `${e.id}\0${e.status ?? ''}`;
    if (t - (last.get(key) ?? -Infinity) < intervalMs) return;
    last.set(key, t);
    out(e);
  };
}
