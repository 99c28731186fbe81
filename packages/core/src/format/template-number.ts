// Number literals of Go templates (parse/node.go newNumber): ints with 0x/0o/0b prefixes and
// underscores, floats (hex floats too), character constants; which of int/uint/float a literal
// can be decides how a function argument accepts it.

import { Item } from './template-tokens.js';
import type { NumberValue } from './template-nodes.js';
import { unquoteChar, UnquoteError } from './go-quote.js';

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** strconv's underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = 'xX'.includes(s[1]!);
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseUint(s, 0, 64) without the error detail; undefined when it fails. */
function parseUint(s: string): bigint | undefined {
  if (s.length === 0 || s[0] === '-' || s[0] === '+') return undefined;
  let base = 10;
  let digits = s;
  if (s[0] === '0' && s.length > 1) {
    const p = s[1]!.toLowerCase();
    if (p === 'x' || p === 'o' || p === 'b') {
      base = p === 'x' ? 16 : p === 'o' ? 8 : 2;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
    }
  }
  if (digits.includes('_')) {
    if (!underscoreOK(s)) return undefined;
    digits = digits.replaceAll('_', '');
  }
  if (digits.length === 0) return undefined;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base as 2 | 8 | 10 | 16];
  if (!valid.test(digits)) return undefined;
  let v = 0n;
  for (const d of digits) v = v * BigInt(base) + BigInt(parseInt(d, 16));
  return v <= MAX_UINT64 ? v : undefined;
}

function parseInt64(s: string): bigint | undefined {
  const neg = s.startsWith('-');
  const u = parseUint(s.startsWith('-') || s.startsWith('+') ? s.slice(1) : s);
  if (u === undefined) return undefined;
  const v = neg ? -u : u;
  return v >= MIN_INT64 && v <= MAX_INT64 ? v : undefined;
}

/** strconv.ParseFloat(s, 64), including hex floats (0x1.8p3) and underscores. */
function parseFloat64(text: string): number | undefined {
  let s = text;
  if (s.includes('_')) {
    if (!underscoreOK(s)) return undefined;
    s = s.replaceAll('_', '');
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (hex) {
    const [, sign, int = '', frac = '', exp = '0'] = hex;
    if (int.length + frac.length === 0) return undefined;
    const mantissa = parseInt((int + frac) || '0', 16);
    const v = mantissa * 2 ** (Number(exp) - 4 * frac.length);
    return sign === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined; // out of range: ParseFloat fails
}

const toNumber = (v: bigint): number | bigint => (Number.isSafeInteger(Number(v)) ? Number(v) : v);

/** NumberNode construction; throws with Go's message for malformed literals. */
export function parseGoNumber(text: string, typ: Item): NumberValue {
  const n: NumberValue = { isInt: false, isUint: false, isFloat: false, isComplex: false, int: 0, float: 0, text };
  if (typ === Item.CharConstant) {
    let r;
    try {
      r = unquoteChar(text.slice(1), "'");
    } catch (err) {
      if (err instanceof UnquoteError) throw new Error('invalid syntax');
      throw err;
    }
    if (r.tail !== "'") throw new Error(`malformed character constant: ${text}`);
    return { ...n, isInt: true, isUint: true, isFloat: true, int: r.value, float: r.value };
  }
  if (typ === Item.Complex || text.endsWith('i')) {
    // Complex constants parse in Go but nothing a Docker template calls accepts them.
    return { ...n, isComplex: true };
  }
  const u = parseUint(text);
  const i = parseInt64(text);
  if (u !== undefined) {
    n.isUint = true;
    n.int = toNumber(u);
  }
  if (i !== undefined) {
    n.isInt = true;
    n.int = toNumber(i);
    if (i === 0n) n.isUint = true; // in case of -0.
  }
  if (n.isInt || n.isUint) {
    n.isFloat = true;
    n.float = Number(n.int);
    return n;
  }
  const f = parseFloat64(text);
  if (f !== undefined) {
    // A float that looks like an integer is an integer too large for int64 or uint64.
    if (!/[.eEpP]/.test(text)) throw new Error(`integer overflow: ${JSON.stringify(text)}`);
    n.isFloat = true;
    n.float = f;
    if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
      n.isInt = true;
      n.int = toNumber(BigInt(f));
      if (f >= 0) n.isUint = true;
    }
    return n;
  }
  throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
}
