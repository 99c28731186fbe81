// The Docker CLI's `--format` conventions (docker/cli cli/command/formatter and inspect): `table`
// formats with a header row aligned by a tabwriter, `json` as {{json .}}, `\t` escapes, one line per
// item; and `inspect -f` with Docker's fallback to the raw JSON when a typed lookup fails.

import { BerthError } from '../errors.js';
import { marshalGoJSON } from './go-json.js';
import { parseDockerTemplate, type GoTemplate } from './go-template.js';
import { goStruct, jsonToGoMaps, structFields } from './go-value.js';
import { TabWriter } from './tabwriter.js';
import { dockerHeaderFuncs } from './template-funcs.js';

export const TABLE_FORMAT_KEY = 'table';
export const JSON_FORMAT_KEY = 'json';
/** formatter.JSONFormat: what `--format json` means for a listing. */
export const JSON_FORMAT = '{{json .}}';
/** formatter.DefaultQuietFormat, used by `-q`. */
export const QUIET_FORMAT = '{{.ID}}';

/** What a listing command supplies; the user supplies only the format string. */
export interface ListFormat<T> {
  /** Used when the format is empty or just "table", e.g. 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}'. */
  defaultTableFormat: string;
  /** Column header per field, e.g. { ID: 'IMAGE ID', Repository: 'REPOSITORY' } (Docker's SubHeaderContext). */
  headers: Readonly<Record<string, string>>;
  /** The Go field names and values one item shows to a template; function values act as methods. */
  toTemplateData: (item: T) => Record<string, unknown>;
  /** The Go type named in "can't evaluate field" errors (Docker's: *formatter.imageContext). */
  typeName?: string;
  /**
   * The fields `{{json .}}` shows, when they differ from what templates see (docker's
   * searchContext says `[OK]` in a table but `"true"` inside MarshalJSON).
   */
  toJSONData?: (item: T) => Record<string, unknown>;
}

function templateError(err: unknown): unknown {
  if (err instanceof BerthError && err.code === 'ERR_TEMPLATE') {
    return new BerthError('ERR_TEMPLATE', `template parsing error: ${err.message}`, { cause: err });
  }
  return err;
}

function parse(format: string): GoTemplate {
  try {
    return parseDockerTemplate(format);
  } catch (err) {
    throw templateError(err);
  }
}

/** Context.preFormat: strip "table", expand "json", trim spaces, turn `\t` and `\n` escapes into characters. */
export function preFormat(format: string): { template: string; table: boolean } {
  const table = format.startsWith(TABLE_FORMAT_KEY);
  let template = format;
  if (table) template = template.slice(TABLE_FORMAT_KEY.length);
  else if (format === JSON_FORMAT_KEY) template = JSON_FORMAT;
  template = template.replace(/^ +| +$/g, '').replace(/\\t|\\n/g, (e) => (e === '\\t' ? '\t' : '\n'));
  return { template, table };
}

/**
 * One listing item as Docker's formatter contexts present it: a struct whose JSON form is the
 * map of all its fields, keys sorted and HTML-escaped (formatter.MarshalJSON → json.Marshal).
 */
function listingItem(fields: Record<string, unknown>, typeName: string, jsonFields: Record<string, unknown> = fields): object {
  const marshal = (): string => {
    const values = structFields(jsonFields).map(([k, v]) => [k, v] as [string, unknown]);
    for (const [k, v] of Object.entries(jsonFields)) if (typeof v === 'function') values.push([k, (v as () => unknown).call(jsonFields)]);
    return marshalGoJSON(new Map(values), { escapeHTML: true });
  };
  return goStruct(typeName, { ...fields, MarshalJSON: marshal });
}

/**
 * Renders a listing as `docker image ls --format …` does: a table (header row plus aligned rows),
 * `json` (one JSON object per line) or a custom template (one line per item). Ends with a newline
 * per row; a table always has its header, even with no items.
 */
export function renderList<T>(items: readonly T[], format: string, spec: ListFormat<T>): string {
  const effective = format === '' || format === TABLE_FORMAT_KEY ? spec.defaultTableFormat : format;
  const { template, table } = preFormat(effective);
  const tmpl = parse(template);
  let rows = '';
  for (const item of items) {
    const data = listingItem(spec.toTemplateData(item), spec.typeName ?? 'struct', spec.toJSONData?.(item));
    try {
      rows += tmpl.execute(data) + '\n';
    } catch (err) {
      throw templateError(err);
    }
  }
  if (!table) return rows;
  // Docker ignores errors while rendering the header (with functions that keep names intact).
  const header = tmpl.withFuncs(dockerHeaderFuncs).tryExecute(new Map(Object.entries(spec.headers))).output;
  const tw = new TabWriter(10, 1, 3, ' ', 0);
  tw.write(header);
  tw.write('\n');
  tw.write(rows);
  return tw.flush();
}

export interface RenderOneOptions {
  /**
   * The element as JSON, for Docker's inspect fallback: when the template fails on `data`, it runs
   * again on this decoded as map[string]interface{} with missingkey=error.
   */
  raw?: unknown;
}

/**
 * `docker … inspect -f FORMAT` for one element: the template's output plus a newline. Unlike
 * listings, inspect formats get no `table`/`\t` handling. Errors read "template parsing error: …".
 */
export function renderOne(format: string, data: unknown, options: RenderOneOptions = {}): string {
  let tmpl: GoTemplate;
  try {
    tmpl = parseDockerTemplate(format);
  } catch (err) {
    throw templateError(err);
  }
  const first = tmpl.tryExecute(data);
  if (!first.error) return first.output + '\n';
  if (options.raw === undefined) throw templateError(first.error);
  try {
    return tmpl.execute(jsonToGoMaps(options.raw), { missingKey: 'error' }) + '\n';
  } catch (err) {
    throw templateError(err);
  }
}

/**
 * `docker … inspect` without a template ('') or with `--format json`: all elements as one JSON
 * array, indented by four spaces or compact, HTML-escaped as the daemon's JSON is.
 */
export function renderInspectJSON(elements: readonly unknown[], format: '' | 'json'): string {
  if (elements.length === 0) return '[]\n';
  return marshalGoJSON(elements, { escapeHTML: true, indent: format === '' ? '    ' : undefined }) + '\n';
}
