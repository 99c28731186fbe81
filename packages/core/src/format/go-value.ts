// How plain JS data stands in for the Go values text/template and fmt see: the one place
// that decides what is a struct, a map, an int or a float, and what Go would call its type.
//
// The mapping (documented here once, relied on everywhere in format/):
//   undefined            → the invalid reflect.Value (a missing map key): prints `<no value>`
//   null                 → a nil interface{}: prints `<nil>` inside containers, `<no value>` alone
//   string / boolean     → string / bool
//   integer number       → int;  non-integer number or GoFloat → float64;  bigint → int64
//   Array                → []string when every element is a string, else []interface {}
//   Map                  → map[string]… with sorted keys when printed (Go's fmtsort)
//   Date                 → time.Time (a fmt.Stringer)
//   plain object         → a struct: fields in insertion order, a missing field is an error
//   function property    → a method: called on field access, skipped when printing/marshalling
// and, for typed structs (images/inspect-go-types.ts):
//   NIL_POINTER          → a nil *T field: prints `<nil>` even alone, false in `if`, null in JSON
//   goNil([]), goNil(Map) → a nil slice or map: prints `[]` / `map[]`, null in JSON
//   goStringMap(…)       → map[string]string even when empty (a missing key indexes to "")

/**
 * A typed nil pointer (`*T(nil)`, a struct field): unlike a nil interface{} it prints `<nil>` even
 * alone, and it is false in `if`. It marshals to null.
 */
export class GoNilPointer {
  String(): string {
    return '<nil>';
  }
  MarshalJSON(): string {
    return 'null';
  }
}

export const NIL_POINTER = new GoNilPointer();

/** A float64 whose value happens to be integral (Go literal `3.0`), which JS would take for an int. */
export class GoFloat {
  constructor(readonly value: number) {}
}

// Kept beside the object, not on it: defining a property on every listed row costs a shape change each.
const typeNames = new WeakMap<object, string>();

/** Slices and maps whose element type is interface{} even when every element is a string. */
const interfaceContainers = new WeakSet<object>();

/** Nil slices and maps: `[]` and `map[]` when printed, like empty ones, but null in JSON. */
const nilContainers = new WeakSet<object>();

/** Marks an empty slice or map as Go's nil one (a typed struct's field the JSON had as null). */
export function goNil<T extends unknown[] | Map<unknown, unknown>>(empty: T): T {
  nilContainers.add(empty);
  return empty;
}

export function isGoNil(v: unknown): boolean {
  return typeof v === 'object' && v !== null && nilContainers.has(v);
}

/** Maps typed map[string]string even when empty (a missing key indexes to ""). */
const stringMaps = new WeakSet<object>();

/** A map[string]string (a typed struct's field, such as Labels), empty or not. */
export function goStringMap(entries: Iterable<[string, string]>): Map<string, string> {
  const m = new Map(entries);
  stringMaps.add(m);
  return m;
}

/**
 * Marks a plain object as a Go struct with a type name, used in "can't evaluate field X in type …"
 * errors (Docker: `*formatter.imageContext`). The name is not a property, so it never prints.
 */
export function goStruct<T extends object>(typeName: string, fields: T): T {
  typeNames.set(fields, typeName);
  return fields;
}

export type GoKind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'slice'
  | 'map'
  | 'struct'
  | 'time'
  | 'func';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v) || v instanceof Map || v instanceof Date || v instanceof GoFloat) return false;
  return true;
}

export function kindOf(v: unknown): GoKind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      // Integers beyond 2^53 are not exact in JS; Go's JSON decoding makes them float64 too.
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'function':
      return 'func';
    default:
      break;
  }
  if (v instanceof GoFloat) return 'float';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map) return 'map';
  if (v instanceof Date) return 'time';
  return 'struct';
}

/** The number inside an int/float value (bigint collapses to number: only used for comparisons). */
export function numberOf(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  if (typeof v === 'bigint') return Number(v);
  return v as number;
}

/** Go's `%T` / reflect.Type.String() for a value; exact names for Docker's own types may differ. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return 'interface {}';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof v === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'slice':
      if (interfaceContainers.has(v as object)) return '[]interface {}';
      return (v as unknown[]).every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
    case 'map': {
      const values = [...(v as Map<unknown, unknown>).values()];
      const strings = stringMaps.has(v as object) || (values.length > 0 && values.every((e) => typeof e === 'string'));
      const elem = strings && !interfaceContainers.has(v as object) ? 'string' : 'interface {}';
      return `map[string]${elem}`;
    }
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'struct': {
      const named = typeNames.get(v as object);
      if (named !== undefined) return named;
      const ctor = (v as object).constructor;
      return ctor !== undefined && ctor !== Object && ctor.name !== '' ? ctor.name : 'struct';
    }
  }
}

/** The fields a struct shows to fmt and encoding/json: methods (functions) are not fields. */
export function structFields(v: object): [string, unknown][] {
  return Object.entries(v).filter(([, value]) => typeof value !== 'function');
}

/** Looks up a field or method; `found` is false when the struct has no such member. */
export function structMember(v: object, name: string): { found: boolean; value: unknown } {
  if (!Object.prototype.hasOwnProperty.call(v, name)) {
    // Methods may live on a class prototype (a Go method set), fields never do.
    const inherited = (v as Record<string, unknown>)[name];
    if (typeof inherited === 'function' && !(name in Object.prototype)) return { found: true, value: inherited };
    return { found: false, value: undefined };
  }
  return { found: true, value: (v as Record<string, unknown>)[name] };
}

/** text/template's isTrue: the zero value of each type is false; ok=false for values with no truth. */
export function isTrue(v: unknown): { truth: boolean; ok: boolean } {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return { truth: false, ok: true };
    case 'string':
      return { truth: (v as string).length > 0, ok: true };
    case 'slice':
      return { truth: (v as unknown[]).length > 0, ok: true };
    case 'map':
      return { truth: (v as Map<unknown, unknown>).size > 0, ok: true };
    case 'bool':
      return { truth: v as boolean, ok: true };
    case 'int':
    case 'float':
      return { truth: numberOf(v) !== 0, ok: true };
    case 'func':
      return { truth: true, ok: true };
    case 'struct':
      return { truth: !(v instanceof GoNilPointer), ok: true };
    case 'time':
      return { truth: true, ok: true };
  }
}

/** Byte-wise (UTF-8) string order, which is what Go's sort on strings uses; equals code-point order. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(i) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Map entries in Go's fmtsort order: numbers numerically, strings byte-wise, numbers before strings. */
export function sortedEntries(m: Map<unknown, unknown>): [unknown, unknown][] {
  return [...m.entries()].sort(([a], [b]) => {
    const na = typeof a === 'number' || typeof a === 'bigint';
    const nb = typeof b === 'number' || typeof b === 'bigint';
    if (na && nb) return Number(a) - Number(b);
    if (na !== nb) return na ? -1 : 1;
    return compareGoStrings(String(a), String(b));
  });
}

/**
 * Deep copy as Go's encoding/json decodes into interface{}: every object a map[string]interface{},
 * every array an []interface{} (so `join` refuses it, as Docker's inspect fallback does).
 */
export function jsonToGoMaps(v: unknown): unknown {
  let out: unknown = v;
  if (Array.isArray(v)) out = v.map(jsonToGoMaps);
  else if (v instanceof Map) out = new Map([...v.entries()].map(([k, e]) => [k, jsonToGoMaps(e)]));
  else if (isPlainObject(v)) out = new Map(structFields(v).map(([k, e]) => [k, jsonToGoMaps(e)]));
  if (out !== v || Array.isArray(v) || v instanceof Map) interfaceContainers.add(out as object);
  return out;
}

/** The static type of a container's elements, which Go names in field errors (`interface {}`). */
export function elemTypeName(container: unknown): string | undefined {
  const t = goTypeName(container);
  return t.endsWith('interface {}') && (t.startsWith('map[') || t.startsWith('[]')) ? 'interface {}' : undefined;
}

/** UTF-8 length, which is what Go's len() and string slicing count. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
