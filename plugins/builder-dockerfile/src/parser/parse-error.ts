// A Dockerfile that cannot be parsed or dispatched, with the lines it concerns
// (buildkit's parser.WithLocation / instructions.parseError).
import { BerthError } from '@berth/core';

export interface LineRange {
  start: number;
  end: number;
}

export class DockerfileError extends BerthError {
  readonly location: LineRange[];
  constructor(message: string, location: LineRange[] = [], options?: { cause?: unknown }) {
    super('ERR_DOCKERFILE', message, options);
    this.name = 'DockerfileError';
    this.location = location;
  }
}

/** parser.withLocation: the error keeps its text, the first location given wins. */
export function withLocation(err: unknown, start: number, end: number): DockerfileError {
  if (err instanceof DockerfileError) {
    if (err.location.length > 0) return err;
    return new DockerfileError(err.message, toRanges(start, end), { cause: err.cause });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DockerfileError(message, toRanges(start, end), { cause: err });
}

function toRanges(start: number, end: number): LineRange[] {
  if (end <= start) end = start;
  return [{ start, end }];
}
