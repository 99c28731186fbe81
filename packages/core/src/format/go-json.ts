// Go's encoding/json Marshal over the JS stand-ins for Go values: struct fields in order, map keys
// sorted, HTML-safe escaping on request, Go's float syntax, and MarshalJSON methods honoured.

import { BerthError } from '../errors.js';
import { formatFloat } from './go-float.js';
import { formatGoTimeRFC3339 } from './go-time.js';
import { compareGoStrings, goTypeName, isGoNil, kindOf, numberOf, structFields, structMember } from './go-value.js';

export interface GoJSONOptions {
  /** Escape <, > and & as \u003c… (json.Marshal does; Docker's `json` template function does not). */
  escapeHTML?: boolean;
  /** json.MarshalIndent's indent string; omitted means compact output. */
  indent?: string;
}

function escapeString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x22 || cp === 0x5c) out += '\\' + ch;
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp < 0x20 || (escapeHTML && (cp === 0x3c || cp === 0x3e || cp === 0x26)))
      out += '\\u00' + cp.toString(16).padStart(2, '0');
    else if (cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd'; // lone surrogate: Go's invalid UTF-8
    else out += ch;
  }
  return out + '"';
}

function encodeFloat(v: number): string {
  if (!Number.isFinite(v)) {
    throw new BerthError('ERR_TEMPLATE', `json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
  }
  const abs = Math.abs(v);
  const useExp = abs !== 0 && (abs < 1e-6 || abs >= 1e21);
  let s = formatFloat(v, useExp ? 'e' : 'f', -1);
  // Go cleans up e-09 to e-9.
  if (useExp) s = s.replace(/e-0(\d)$/, 'e-$1');
  return s;
}

/** json.Compact on a MarshalJSON result, escaping HTML characters inside strings when asked. */
function compact(raw: string, escapeHTML: boolean, typeName: string): string {
  try {
    JSON.parse(raw);
  } catch (err) {
    throw new BerthError('ERR_TEMPLATE', `json: error calling MarshalJSON for type ${typeName}: ${(err as Error).message}`);
  }
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (c === '\\') {
        out += c + (raw[++i] ?? '');
        continue;
      }
      if (c === '"') inString = false;
      if (escapeHTML && (c === '<' || c === '>' || c === '&')) out += '\\u00' + c.charCodeAt(0).toString(16);
      else out += c;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!' \t\r\n'.includes(c)) {
      out += c;
    }
  }
  return out;
}

class Encoder {
  constructor(private readonly opts: Required<Pick<GoJSONOptions, 'escapeHTML'>> & GoJSONOptions) {}

  private newline(depth: number): string {
    return this.opts.indent === undefined ? '' : '\n' + this.opts.indent.repeat(depth);
  }

  private container(open: string, close: string, items: string[], depth: number): string {
    if (items.length === 0) return open + close;
    const sep = ',' + this.newline(depth + 1);
    return open + this.newline(depth + 1) + items.join(sep) + this.newline(depth) + close;
  }

  private member(key: string, value: unknown, depth: number): string {
    const colon = this.opts.indent === undefined ? ':' : ': ';
    return escapeString(key, this.opts.escapeHTML) + colon + this.encode(value, depth + 1);
  }

  encode(v: unknown, depth: number): string {
    switch (kindOf(v)) {
      case 'invalid':
      case 'nil':
        return 'null';
      case 'bool':
        return v ? 'true' : 'false';
      case 'int':
        return String(v);
      case 'float':
        return encodeFloat(numberOf(v));
      case 'string':
        return escapeString(v as string, this.opts.escapeHTML);
      case 'time':
        return escapeString(formatGoTimeRFC3339(v as Date), false);
      case 'func':
        throw new BerthError('ERR_TEMPLATE', `json: unsupported type: ${goTypeName(v)}`);
      case 'slice':
        if (isGoNil(v)) return 'null';
        return this.container('[', ']', (v as unknown[]).map((e) => this.encode(e, depth + 1)), depth);
      case 'map': {
        if (isGoNil(v)) return 'null';
        const entries = [...(v as Map<unknown, unknown>).entries()].map(([k, e]) => [String(k), e] as const);
        entries.sort(([a], [b]) => compareGoStrings(a, b));
        return this.container('{', '}', entries.map(([k, e]) => this.member(k, e, depth)), depth);
      }
      case 'struct': {
        const m = structMember(v as object, 'MarshalJSON');
        if (m.found && typeof m.value === 'function') {
          const raw = String((m.value as () => unknown).call(v));
          const out = compact(raw, this.opts.escapeHTML, goTypeName(v));
          return this.opts.indent === undefined ? out : reindent(out, this, depth);
        }
        const fields = structFields(v as object);
        return this.container('{', '}', fields.map(([k, e]) => this.member(k, e, depth)), depth);
      }
    }
  }
}

/** MarshalJSON output is compact; json.MarshalIndent indents it like everything else. */
function reindent(compactJSON: string, enc: Encoder, depth: number): string {
  return enc.encode(jsonValue(JSON.parse(compactJSON)), depth);
}

/** Parsed JSON where objects keep their (already-marshalled) key order, as struct stand-ins. */
function jsonValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'number' && !Number.isSafeInteger(v)) return v;
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, jsonValue(e)]));
  }
  return v;
}

/** json.Marshal (escapeHTML defaults to true, as in Go) or json.MarshalIndent with `indent`. */
export function marshalGoJSON(value: unknown, options: GoJSONOptions = {}): string {
  const enc = new Encoder({ ...options, escapeHTML: options.escapeHTML ?? true });
  return enc.encode(value, 0);
}
