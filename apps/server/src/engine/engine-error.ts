// Engine API errors: `{"message": …}` with dockerd's status codes (errdefs → HTTP): not found 404,
// conflict 409, bad parameters 400, unauthorized 401, forbidden 403, system 500.
import { fromSystemError, isBerthError, type ErrorCode } from '@berth/core';

export class EngineError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_IMAGE_UNKNOWN: 404,
  ERR_MANIFEST_UNKNOWN: 404,
  ERR_BLOB_UNKNOWN: 404,
  ERR_IMAGE_CONFLICT: 409,
  ERR_IMAGE_IN_USE: 409,
  ERR_CONTAINER_UNKNOWN: 404,
  ERR_CONTAINER_CONFLICT: 409,
  ERR_INVALID_REFERENCE: 400,
  ERR_INVALID_ARGUMENT: 400,
  ERR_INVALID_FILTER: 400,
  ERR_INVALID_DIGEST: 400,
  ERR_PLATFORM_MISMATCH: 400,
  ERR_DOCKERFILE: 400,
  ERR_ARCHIVE_INVALID: 400,
  ERR_LAYER_INVALID: 400,
  ERR_UNSAFE_PATH: 400,
  ERR_MANIFEST_INVALID: 400,
  ERR_CONFIG_INVALID: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_UNSUPPORTED: 501,
  ERR_STORE_LOCKED: 503,
  ERR_NO_SPACE: 507,
};

export function toEngineError(thrown: unknown): EngineError {
  if (thrown instanceof EngineError) return thrown;
  const err = fromSystemError(thrown, "writing to berthd's store");
  if (isBerthError(err)) return new EngineError(STATUS[err.code] ?? 500, err.message);
  // fastify's own refusals (a body too large, a bad content type) and the auth gate's (a wrong
  // password, a RegistryError) keep their status.
  const e = err as { statusCode?: unknown; status?: unknown } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : e?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new EngineError(status, (err as Error).message);
  return new EngineError(500, err instanceof Error ? err.message : String(err));
}
