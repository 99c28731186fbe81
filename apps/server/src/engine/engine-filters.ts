// The Engine API's `filters` query: JSON `{"key":{"value":true}}` (or the legacy `{"key":["value"]}`)
// turned into core's `key=value` arguments, the shape the CLI's `--filter` flags already have.
import { EngineError } from './engine-error.js';

export function filterArgs(raw: string | null): string[] {
  if (raw === null || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EngineError(400, `invalid filter: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EngineError(400, `invalid filter: ${raw}`);
  const out: string[] = [];
  for (const [key, values] of Object.entries(parsed as Record<string, unknown>)) {
    const list = Array.isArray(values) ? values : typeof values === 'object' && values !== null ? Object.entries(values).filter(([, on]) => on === true).map(([v]) => v) : undefined;
    if (!list) throw new EngineError(400, `invalid filter: ${raw}`);
    for (const v of list) out.push(`${key}=${String(v)}`);
  }
  return out;
}

/** Docker's boolean query values: `1`, `true`, `True` … (strconv.ParseBool, as httputils.BoolValue). */
export function boolParam(value: string | null): boolean {
  if (value === null) return false;
  return !['', '0', 'false', 'f', 'no', 'n', 'off', 'none'].includes(value.trim().toLowerCase());
}
