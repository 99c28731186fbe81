// The bridge from commands to core's Docker-style formatting: a command names its default table,
// its column headers and its rows; `--format` (table …, json, or a Go template) does the rest.
import { QUIET_FORMAT, displayWidth, jsonToGoMaps, renderInspectJSON, renderList, renderOne } from '@berth/core';

export interface ListSpec {
  /** Docker's default, e.g. `table {{.Repository}}\t{{.Tag}}`. */
  defaultFormat: string;
  /** Used when --quiet is given. */
  quietFormat?: string;
  headers: Record<string, string>;
  /** The Go type Docker names in template errors (`*formatter.imageContext`). */
  typeName?: string;
}

export function formatList(rows: Record<string, unknown>[], spec: ListSpec, opts: { format?: string | undefined; quiet?: boolean | undefined }): string {
  const format = opts.quiet ? spec.quietFormat ?? QUIET_FORMAT : opts.format ?? '';
  return renderList(rows, format, {
    defaultTableFormat: spec.defaultFormat,
    headers: spec.headers,
    toTemplateData: (r) => r,
    ...(spec.typeName ? { typeName: spec.typeName } : {}),
  });
}

/**
 * `inspect`: a JSON array without a format (or with `json`), else the template once per element,
 * on `typed(element)` first (docker CLI's typed response, images have one) and, when that fails
 * or there is none, on the JSON decoded as maps, as docker does.
 */
export function formatInspect<T>(elements: readonly T[], format: string | undefined, typed?: (element: T) => unknown): string {
  if (!format || format === 'json') return renderInspectJSON(elements, format === 'json' ? 'json' : '');
  // Without a typed view the maps are all there is: `{{.Config.Labels}}` prints map[k:v].
  const asMaps = (e: unknown): unknown => jsonToGoMaps(JSON.parse(JSON.stringify(e)));
  return elements.map((e) => renderOne(format, typed?.(e) ?? asMaps(e), { raw: e })).join('');
}

/**
 * docker/cli formatter.Ellipsis: cut to `max` terminal columns (wide characters count two), the
 * last column an ellipsis.
 */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(s) <= max) return s;
  let width = 0;
  let keep = 0;
  for (const ch of chars) {
    const w = displayWidth(ch);
    if (width + w > max - 1) break;
    width += w;
    keep++;
  }
  return `${chars.slice(0, keep).join('')}…`;
}
