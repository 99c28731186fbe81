// Registry error bodies (OCI distribution-spec "Error Codes"): one place maps berth's typed errors
// to a spec code and an HTTP status, so every route answers failures the same way.
import { fromSystemError, isBerthError, type ErrorCode } from '@berth/core';

export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'RANGE_INVALID'
  | 'PAGINATION_NUMBER_INVALID'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    readonly status: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

const FROM_BERTH: Partial<Record<ErrorCode, [RegistryErrorCode, number]>> = {
  ERR_BLOB_UNKNOWN: ['BLOB_UNKNOWN', 404],
  ERR_MANIFEST_UNKNOWN: ['MANIFEST_UNKNOWN', 404],
  ERR_IMAGE_UNKNOWN: ['MANIFEST_UNKNOWN', 404],
  ERR_MANIFEST_INVALID: ['MANIFEST_INVALID', 400],
  ERR_CONFIG_INVALID: ['MANIFEST_INVALID', 400],
  ERR_LAYER_INVALID: ['MANIFEST_INVALID', 400],
  ERR_UNSAFE_PATH: ['MANIFEST_INVALID', 400],
  ERR_INVALID_DIGEST: ['DIGEST_INVALID', 400],
  ERR_DIGEST_MISMATCH: ['DIGEST_INVALID', 400],
  ERR_SIZE_MISMATCH: ['SIZE_INVALID', 400],
  ERR_INVALID_REFERENCE: ['NAME_INVALID', 400],
  ERR_INVALID_ARGUMENT: ['UNSUPPORTED', 400],
  // distribution answers UNSUPPORTED with 405 Method Not Allowed.
  ERR_UNSUPPORTED: ['UNSUPPORTED', 405],
  ERR_IMAGE_CONFLICT: ['DENIED', 409],
  ERR_IMAGE_IN_USE: ['DENIED', 409],
  ERR_STORE_LOCKED: ['UNAVAILABLE', 503],
  ERR_NO_SPACE: ['UNAVAILABLE', 507],
  ERR_ABORTED: ['UNKNOWN', 499],
};

/** Any thrown value as a RegistryError; unexpected errors become 500 UNKNOWN without internals. */
export function toRegistryError(thrown: unknown): RegistryError {
  if (thrown instanceof RegistryError) return thrown;
  // A full disk under an upload is Node's bare ENOSPC: 507, saying so, not 500.
  const err = fromSystemError(thrown, "writing to berthd's store");
  if (isBerthError(err)) {
    const [code, status] = FROM_BERTH[err.code] ?? ['UNKNOWN', 500];
    return new RegistryError(code, status, err.message);
  }
  return new RegistryError('UNKNOWN', 500, 'internal error');
}

export function errorBody(err: RegistryError): { errors: { code: string; message: string; detail?: unknown }[] } {
  return { errors: [{ code: err.code, message: err.message, ...(err.detail !== undefined ? { detail: err.detail } : {}) }] };
}
