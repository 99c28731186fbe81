// What a promise ended with, as a test wants to compare it: a berth error's code, `resolved`, or
// `untyped: …` for an error without a code (which a contract counts as a failure too).
import { isBerthError } from '@berth/core';

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => (isBerthError(err) ? err.code : `untyped: ${String(err)}`),
  );
}
