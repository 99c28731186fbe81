// Go's strconv quoting: Quote/QuoteToASCII/QuoteRune for `%q`, Unquote for template string
// literals, and unicode.IsPrint, which decides what Go escapes.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x20 || cp === 0x7f) return false;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function escapeRune(cp: number, quote: number, asciiOnly: boolean): string {
  if (cp === quote || cp === 0x5c) return '\\' + String.fromCodePoint(cp);
  if (asciiOnly ? cp < 0x80 && isPrint(cp) : isPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  // A lone UTF-16 surrogate stands where Go would see invalid UTF-8.
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

function quoteWith(s: string, quote: number, asciiOnly: boolean): string {
  let out = String.fromCharCode(quote);
  for (const ch of s) out += escapeRune(ch.codePointAt(0) ?? 0, quote, asciiOnly);
  return out + String.fromCharCode(quote);
}

/** strconv.Quote */
export function quote(s: string): string {
  return quoteWith(s, 0x22, false);
}

/** strconv.QuoteToASCII */
export function quoteToASCII(s: string): string {
  return quoteWith(s, 0x22, true);
}

/** strconv.QuoteRune / QuoteRuneToASCII; invalid code points become U+FFFD as in Go. */
export function quoteRune(cp: number, asciiOnly = false): string {
  const valid = cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
  return `'${escapeRune(valid ? cp : 0xfffd, 0x27, asciiOnly)}'`;
}

/** strconv.CanBackquote: no backquote, no control characters other than tab. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x60 || cp === 0xfeff) return false;
    if (cp < 0x20 && cp !== 0x09) return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

export class UnquoteError extends Error {
  constructor() {
    super('invalid syntax');
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** strconv.UnquoteChar: decodes one (possibly escaped) character; returns it and the rest. */
export function unquoteChar(s: string, quoteChar: string): { value: number; tail: string } {
  const first = s.codePointAt(0);
  if (first === undefined) throw new UnquoteError();
  const c = String.fromCodePoint(first);
  if (c === quoteChar && (quoteChar === "'" || quoteChar === '"')) throw new UnquoteError();
  if (c !== '\\') return { value: first, tail: s.slice(c.length) };
  const e = s[1];
  if (e === undefined) throw new UnquoteError();
  let rest = s.slice(2);
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return { value: simple.charCodeAt(0), tail: rest };
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const digits = rest.slice(0, n);
    if (digits.length < n || !/^[0-9a-fA-F]+$/.test(digits)) throw new UnquoteError();
    const v = parseInt(digits, 16);
    if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) throw new UnquoteError();
    return { value: v, tail: rest.slice(n) };
  }
  if (e >= '0' && e <= '7') {
    const digits = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(digits)) throw new UnquoteError();
    const v = parseInt(digits, 8);
    if (v > 255) throw new UnquoteError();
    rest = s.slice(4);
    return { value: v, tail: rest };
  }
  if (e === "'" || e === '"') {
    if (e !== quoteChar) throw new UnquoteError();
    return { value: e.charCodeAt(0), tail: rest };
  }
  throw new UnquoteError();
}

/** strconv.Unquote for "…" and `…` literals (a raw string drops carriage returns, as Go's does). */
export function unquote(literal: string): string {
  const q = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== q) throw new UnquoteError();
  const body = literal.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new UnquoteError();
    return body.replaceAll('\r', '');
  }
  if (q !== '"' || body.includes('\n')) throw new UnquoteError();
  let out = '';
  let rest = body;
  while (rest.length > 0) {
    const { value, tail } = unquoteChar(rest, '"');
    out += String.fromCodePoint(value);
    rest = tail;
  }
  return out;
}
