// Node's system errors in Go's words, as docker prints them: `mkdir /x/lock: read-only file
// system`, not `EROFS: read-only file system, mkdir '/x/lock'`.

/** The reason of a Node system error (`no such file or directory`), or undefined for other errors. */
export function systemErrorReason(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return undefined;
  return /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
}

/** Go's os.PathError text for a failed system call on `path`. */
export function goPathErrorText(syscall: string, path: string, reason: string): string {
  return `${syscall} ${path}: ${reason}`;
}

/** A Node system error that names its call as Go prints it; undefined for other errors. */
export function goSystemErrorText(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  const reason = systemErrorReason(err);
  if (reason === undefined || typeof e.syscall !== 'string') return undefined;
  return e.path ? goPathErrorText(e.syscall, e.path, reason) : `${e.syscall}: ${reason}`;
}
