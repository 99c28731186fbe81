// HTTP byte ranges for blob GETs (RFC 9110 §14) and the inclusive `start-end` ranges of the upload
// protocol (OCI dist-spec: Content-Range on PATCH, Range on upload status responses).

/** A single range of `bytes=` against a blob of `size`; 'unsatisfiable' for 416; undefined to send it all. */
export function parseRangeHeader(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or a unit we do not know: RFC 9110 lets a server ignore Range.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** A PATCH's Content-Range (`<start>-<end>`, inclusive); `bytes ` and a `/total` are tolerated. */
export function parseChunkRange(header: string | undefined): { start: number; end: number } | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end < start ? 'invalid' : { start, end };
}

/** The `Range` an upload reports: `0-<last byte>`, `0-0` when empty (as distribution answers). */
export function uploadRange(offset: number): string {
  return `0-${Math.max(0, offset - 1)}`;
}
