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
  aux?: Record<string, unknown>;
}

export type EventSink = (event: ProgressEvent) => void;

export const discardEvents: EventSink = () => {};
