// The functions a template can call: Go's builtins (funcs.go) and Docker's additions
// (docker/cli templates/templates.go), each with the Go parameter types that decide how
// arguments are checked ("wrong type for value; expected string; got int").

import { sprint, sprintf, sprintln } from './go-printf.js';
import { isPrint } from './go-quote.js';
import { marshalGoJSON } from './go-json.js';
import {
  compareGoStrings,
  goTypeName,
  isPlainObject,
  isTrue,
  kindOf,
  numberOf,
  structFields,
  utf8Length,
} from './go-value.js';

/**
 * Go parameter types the executor checks arguments against: `any` is interface{} (nil arrives as
 * null), `value` is reflect.Value (a missing value arrives as undefined).
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | '[]string';

export interface TemplateFunc {
  params: readonly ParamType[];
  /** Element type of a trailing `...` parameter. */
  variadic?: ParamType;
  /** Throwing an Error stops execution with "error calling <name>: <message>". */
  call: (...args: never[]) => unknown;
}

export type FuncMap = Readonly<Record<string, TemplateFunc>>;

const fn = <A extends unknown[]>(params: ParamType[], call: (...args: A) => unknown, variadic?: ParamType): TemplateFunc =>
  ({ params, call, variadic }) as TemplateFunc;

/** The value inside an interface: a nil interface{} becomes "no value". */
const indirect = (v: unknown): unknown => (v === null ? undefined : v);

function indexArg(index: unknown, cap: number): number {
  if (index === undefined) throw new Error('cannot index slice/array with nil');
  if (kindOf(index) !== 'int') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  const x = Number(index);
  if (x < 0 || x > cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let v = indirect(item);
  if (v === undefined) throw new Error('index of untyped nil');
  for (const raw of indexes) {
    const i = indirect(raw);
    if (v === null || v === undefined) throw new Error('index of nil pointer');
    switch (kindOf(v)) {
      case 'slice': {
        const arr = v as unknown[];
        const x = indexArg(i, arr.length);
        if (x === arr.length) throw new Error('reflect: slice index out of range');
        v = arr[x] ?? null;
        break;
      }
      case 'string': {
        const bytes = Buffer.from(v as string, 'utf8');
        const x = indexArg(i, bytes.length);
        if (x === bytes.length) throw new Error('reflect: string index out of range');
        v = bytes[x];
        break;
      }
      case 'map': {
        const m = v as Map<unknown, unknown>;
        if (i === undefined) throw new Error('value is nil; should be of type string');
        if (typeof i !== 'string') throw new Error(`value has type ${goTypeName(i)}; should be string`);
        // A missing key yields the element type's zero value.
        v = m.has(i) ? m.get(i) : goTypeName(m) === 'map[string]string' ? '' : null;
        break;
      }
      default:
        throw new Error(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const v = indirect(item);
  if (v === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  const kind = kindOf(v);
  let len: number;
  if (kind === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    len = utf8Length(v as string);
  } else if (kind === 'slice') {
    len = (v as unknown[]).length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(v)}`);
  }
  const idx = [0, len, len];
  indexes.forEach((i, n) => (idx[n] = indexArg(indirect(i), len)));
  const [lo = 0, hi = len, max = len] = idx;
  if (lo > hi) throw new Error(`invalid slice index: ${lo} > ${hi}`);
  if (indexes.length === 3 && hi > max) throw new Error(`invalid slice index: ${hi} > ${max}`);
  if (kind === 'string') return Buffer.from(v as string, 'utf8').subarray(lo, hi).toString('utf8');
  return (v as unknown[]).slice(lo, hi);
}

function length(item: unknown): number {
  if (item === null) throw new Error('len of nil pointer');
  if (item === undefined) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  switch (kindOf(item)) {
    case 'string':
      return utf8Length(item as string);
    case 'slice':
      return (item as unknown[]).length;
    case 'map':
      return (item as Map<unknown, unknown>).size;
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  return k === 'bool' || k === 'int' || k === 'float' || k === 'string' ? k : 'invalid';
}

/** Go's == on two non-basic values of the same kind (structs compare field by field). */
function sameValue(a: unknown, b: unknown): boolean {
  if (basicKind(a) !== 'invalid' || basicKind(b) !== 'invalid') {
    return kindOf(a) === kindOf(b) && (typeof a === 'string' || typeof a === 'boolean' ? a === b : numberOf(a) === numberOf(b));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (isPlainObject(a) && isPlainObject(b)) {
    const fa = structFields(a);
    const fb = structFields(b);
    return fa.length === fb.length && fa.every(([k, v], i) => fb[i]?.[0] === k && sameValue(v, fb[i]?.[1]));
  }
  return a === b;
}

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  const a = indirect(arg1);
  if (arg2.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a);
  for (const raw of arg2) {
    const b = indirect(raw);
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if (a !== undefined && b !== undefined) {
        throw new Error('incompatible types for comparison');
      }
    } else if (k1 === 'invalid') {
      if (a !== undefined && b !== undefined && kindOf(a) !== kindOf(b)) {
        throw new Error(`non-comparable types ${sprint(a)}: ${goTypeName(a)}, ${goTypeName(b)}: ${sprint(b)}`);
      }
      if (a === undefined || b === undefined) truth = a === b;
      else if (kindOf(b) === 'slice' || kindOf(b) === 'map' || kindOf(b) === 'func') {
        throw new Error(`non-comparable type ${sprint(b)}: ${goTypeName(b)}`);
      } else truth = sameValue(a, b);
    } else {
      truth = k1 === 'string' || k1 === 'bool' ? a === b : numberOf(a) === numberOf(b);
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const a = indirect(arg1);
  const b = indirect(arg2);
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'string') return compareGoStrings(a as string, b as string) < 0;
  return numberOf(a) < numberOf(b);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

/** Go's evalArgs for html/js/urlquery: one string as is, anything else through fmt.Sprint. */
const joinArgs = (args: unknown[]): string =>
  args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(...args);

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === '\0' ? '\uFFFD' : c === '"' ? '&#34;' : c === "'" ? '&#39;' : c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;',
  );
}

function jsEscape(s: string): string {
  const named: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (named[ch] !== undefined) out += named[ch];
    else if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80 || isPrint(cp)) out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export const builtinFuncs: FuncMap = {
  and: fn(['value'], () => undefined, 'value'), // short-circuits: evaluated by the executor
  or: fn(['value'], () => undefined, 'value'),
  call: fn(['value'], () => undefined, 'value'), // evaluated by the executor
  html: fn([], (...a: unknown[]) => htmlEscape(joinArgs(a)), 'any'),
  js: fn([], (...a: unknown[]) => jsEscape(joinArgs(a)), 'any'),
  urlquery: fn([], (...a: unknown[]) => queryEscape(joinArgs(a)), 'any'),
  index: fn(['value'], index, 'value'),
  slice: fn(['value'], slice, 'value'),
  len: fn(['value'], length),
  not: fn(['value'], (v: unknown) => !isTrue(indirect(v)).truth),
  print: fn([], sprint, 'any'),
  printf: fn(['string'], sprintf, 'any'),
  println: fn([], sprintln, 'any'),
  eq: fn(['value'], eq, 'value'),
  ne: fn(['value', 'value'], (a: unknown, b: unknown) => !eq(a, b)),
  lt: fn(['value', 'value'], lt),
  le: fn(['value', 'value'], le),
  gt: fn(['value', 'value'], (a: unknown, b: unknown) => !le(a, b)),
  ge: fn(['value', 'value'], (a: unknown, b: unknown) => !lt(a, b)),
};

/** strings.Title: upper-cases the first letter of each word (Go's separator rules). */
function title(s: string): string {
  const isSeparator = (c: string): boolean => {
    if (c.charCodeAt(0) < 0x80) return !/[0-9A-Za-z_]/.test(c);
    if (/[\p{L}\p{Nd}]/u.test(c)) return false;
    return /\s/u.test(c);
  };
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isSeparator(prev) ? mapRune(c, 'upper') : c;
    prev = c;
  }
  return out;
}

/** Go maps case rune by rune; JS's full mappings (ß → SS, final sigma) would change lengths. */
function mapRune(c: string, to: 'upper' | 'lower'): string {
  const m = to === 'upper' ? c.toUpperCase() : c.toLowerCase();
  return [...m].length === 1 ? m : c;
}
const mapString = (s: string, to: 'upper' | 'lower'): string => [...s].map((c) => mapRune(c, to)).join('');

/** strings.Split: an empty separator splits after each UTF-8 sequence. */
const split = (s: string, sep: string): string[] => (sep === '' ? [...s] : s.split(sep));

function repeatSpaces(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

/** docker/cli templates.basicFunctions */
export const dockerFuncs: FuncMap = {
  json: fn(['any'], (v: unknown) => {
    try {
      // Docker's encoder has SetEscapeHTML(false) and ignores encoding errors.
      return marshalGoJSON(v, { escapeHTML: false });
    } catch {
      return '';
    }
  }),
  split: fn(['string', 'string'], split),
  join: fn(['[]string', 'string'], (elems: string[], sep: string) => elems.join(sep)),
  title: fn(['string'], title),
  lower: fn(['string'], (s: string) => mapString(s, 'lower')),
  upper: fn(['string'], (s: string) => mapString(s, 'upper')),
  pad: fn(['string', 'int', 'int'], (s: string, prefix: number, suffix: number) =>
    s === '' ? s : repeatSpaces(prefix) + s + repeatSpaces(suffix),
  ),
  truncate: fn(['string', 'int'], (s: string, n: number) => {
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length < n) return s;
    if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
    return bytes.subarray(0, n).toString('utf8');
  }),
};

/** docker/cli templates.HeaderFunctions: a table header keeps the column name intact. */
export const dockerHeaderFuncs: FuncMap = {
  json: fn(['string'], (v: string) => v),
  split: fn(['string', 'string'], (v: string) => v),
  join: fn(['string', 'string'], (v: string) => v),
  title: fn(['string'], (v: string) => v),
  lower: fn(['string'], (v: string) => v),
  upper: fn(['string'], (v: string) => v),
  truncate: fn(['string', 'int'], (v: string) => v),
};
