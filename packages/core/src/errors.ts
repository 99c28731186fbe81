// Typed errors with stable codes. The CLI maps them to one stderr line and an exit code;
// the server maps them to registry error JSON or Engine API status codes.

export type ErrorCode =
  | 'ERR_INVALID_REFERENCE'
  | 'ERR_INVALID_DIGEST'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_UNKNOWN'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_BLOB_UNKNOWN'
  | 'ERR_IMAGE_UNKNOWN'
  | 'ERR_IMAGE_CONFLICT'
  | 'ERR_IMAGE_IN_USE'
  | 'ERR_CONTAINER_UNKNOWN'
  | 'ERR_CONTAINER_CONFLICT'
  | 'ERR_ARCHIVE_INVALID'
  | 'ERR_LAYER_INVALID'
  | 'ERR_UNSAFE_PATH'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_FILTER'
  | 'ERR_TEMPLATE'
  | 'ERR_PLATFORM_MISMATCH'
  | 'ERR_STORE_LOCKED'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_NO_SPACE'
  | 'ERR_PLUGIN'
  | 'ERR_BERTH_CONFIG'
  | 'ERR_UNSUPPORTED'
  | 'ERR_ABORTED'
  | 'ERR_UNAUTHORIZED' | 'ERR_REGISTRY' | 'ERR_NETWORK'
  | 'ERR_DOCKERFILE'
  | 'ERR_BUILD'
  | 'ERR_IO';

export class BerthError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.code = code;
  }

  // A plugin loaded from berth's config links its own copy of @berth/core, so its errors are
  // another class object: recognise them by name and code. Subclasses keep the usual check.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === BerthError && value instanceof Error && value.name === 'BerthError' && typeof (value as { code?: unknown }).code === 'string';
  }
}

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

/** Turns Node's system errors into typed ones where the user can act on them (a full disk). */
export function fromSystemError(err: unknown, what: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return new BerthError('ERR_NO_SPACE', `no space left on device while ${what}`, { cause: err });
  if (code === 'EDQUOT') return new BerthError('ERR_NO_SPACE', `disk quota exceeded while ${what}`, { cause: err });
  return err;
}
