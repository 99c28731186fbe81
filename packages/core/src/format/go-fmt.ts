// Go's fmt printer (print.go, format.go) over the JS stand-ins for Go values described in go-value.ts:
// one operand under one verb with flags, width and precision, `%!verb(type=value)` errors, and
// map/slice/struct printing. go-printf.ts parses format strings around it.
// Not ported: %p, %b/%x on floats (printed as %g), and %#v's full Go-syntax output (strings quoted only).

import { formatFloat, type FloatVerb } from './go-float.js';
import { canBackquote, isPrint, quote, quoteRune, quoteToASCII } from './go-quote.js';
import { formatGoTime } from './go-time.js';
import { goTypeName, kindOf, numberOf, sortedEntries, structFields, structMember } from './go-value.js';

export interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

export const noFlags = (): Flags => ({
  plus: false,
  minus: false,
  sharp: false,
  space: false,
  zero: false,
  plusV: false,
  sharpV: false,
  wid: 0,
  widPresent: false,
  prec: 0,
  precPresent: false,
});

export const isNil = (v: unknown): boolean => v === null || v === undefined;
const runeCount = (s: string): number => [...s].length;

export class Printer {
  buf = '';
  f: Flags = noFlags();
  private erroring = false;

  private padding(n: number): string {
    if (n <= 0) return '';
    return (this.f.zero && !this.f.minus ? '0' : ' ').repeat(n);
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.buf += s;
      return;
    }
    const fill = this.padding(this.f.wid - runeCount(s));
    this.buf += this.f.minus ? s + fill : fill + s;
  }

  printArg(arg: unknown, verb: string): void {
    if (isNil(arg)) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.fmtS(goTypeName(arg));
      return;
    }
    this.printValue(arg, verb, 0);
  }

  printValue(v: unknown, verb: string, depth: number): void {
    if (this.handleMethods(v, verb)) return;
    switch (kindOf(v)) {
      case 'invalid':
      case 'nil':
        if (depth === 0 && v === undefined) this.buf += '<invalid reflect.Value>';
        else if (verb === 'v' || depth > 0) this.buf += '<nil>';
        else this.badVerb(verb, v);
        return;
      case 'bool':
        return this.fmtBool(v as boolean, verb);
      case 'int':
        return this.fmtInteger(BigInt(v as number | bigint), verb, v);
      case 'float':
        return this.fmtFloat(numberOf(v), verb, v);
      case 'string':
        return this.fmtString(v as string, verb);
      case 'map': {
        this.buf += 'map[';
        sortedEntries(v as Map<unknown, unknown>).forEach(([key, value], i) => {
          if (i > 0) this.buf += ' ';
          this.printValue(key, verb, depth + 1);
          this.buf += ':';
          this.printValue(value, verb, depth + 1);
        });
        this.buf += ']';
        return;
      }
      case 'slice':
        this.buf += '[';
        (v as unknown[]).forEach((e, i) => {
          if (i > 0) this.buf += ' ';
          this.printValue(e, verb, depth + 1);
        });
        this.buf += ']';
        return;
      case 'struct':
        this.buf += '{';
        structFields(v as object).forEach(([name, value], i) => {
          if (i > 0) this.buf += ' ';
          if (this.f.plusV || this.f.sharpV) this.buf += name + ':';
          this.printValue(value, verb, depth + 1);
        });
        this.buf += '}';
        return;
      case 'time':
      case 'func':
        this.badVerb(verb, v);
        return;
    }
  }

  /** fmt's handleMethods: error and Stringer values print through their method for v s x X q. */
  private handleMethods(v: unknown, verb: string): boolean {
    if (this.erroring || !'vsxXq'.includes(verb)) return false;
    if (v instanceof Date) {
      this.fmtString(formatGoTime(v), verb);
      return true;
    }
    if (kindOf(v) !== 'struct') return false;
    for (const name of ['Error', 'String']) {
      const m = structMember(v as object, name);
      if (m.found && typeof m.value === 'function') {
        this.fmtString(String((m.value as () => unknown).call(v)), verb);
        return true;
      }
    }
    return false;
  }

  badVerb(verb: string, arg: unknown): void {
    this.erroring = true;
    this.buf += '%!' + verb + '(';
    if (isNil(arg)) {
      this.buf += '<nil>';
    } else {
      this.buf += goTypeName(arg) + '=';
      this.printArg(arg, 'v');
    }
    this.buf += ')';
    this.erroring = false;
  }

  fmtBool(b: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.pad(b ? 'true' : 'false');
    else this.badVerb(verb, b);
  }

  fmtInteger(n: bigint, verb: string, original: unknown): void {
    switch (verb) {
      case 'v':
      case 'd':
        return this.fmtIntegerBase(n, 10, verb, false);
      case 'b':
        return this.fmtIntegerBase(n, 2, verb, false);
      case 'o':
      case 'O':
        return this.fmtIntegerBase(n, 8, verb, false);
      case 'x':
        return this.fmtIntegerBase(n, 16, verb, false);
      case 'X':
        return this.fmtIntegerBase(n, 16, verb, true);
      case 'c':
        return this.pad(String.fromCodePoint(validRune(n)));
      case 'q':
        return this.pad(quoteRune(Number(n), this.f.plus));
      case 'U': {
        const cp = Number(n);
        let s = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
        if (this.f.sharp && cp <= 0x10ffff && isPrint(cp)) s += ` '${String.fromCodePoint(cp)}'`;
        return this.pad(s);
      }
      default:
        this.badVerb(verb, original);
    }
  }

  private fmtIntegerBase(n: bigint, base: number, verb: string, upper: boolean): void {
    const f = this.f;
    const negative = n < 0n;
    let digits = (negative ? -n : n).toString(base);
    if (upper) digits = digits.toUpperCase();
    let prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      // Precision 0 and value 0 means "print nothing" but padding.
      if (prec === 0 && n === 0n) {
        const zero = f.zero;
        f.zero = false;
        this.buf += this.padding(f.wid);
        f.zero = zero;
        return;
      }
    } else if (f.zero && !f.minus && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) prec--; // leave room for the sign
    }
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (f.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8 && !digits.startsWith('0')) digits = '0' + digits;
      else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === 'O') digits = '0o' + digits;
    if (negative) digits = '-' + digits;
    else if (f.plus) digits = '+' + digits;
    else if (f.space) digits = ' ' + digits;
    const zero = f.zero;
    f.zero = false; // zero padding was done above, as precision
    this.pad(digits);
    f.zero = zero;
  }

  fmtFloat(v: number, verb: string, original: unknown): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatVerb(v, 'g', -1);
      case 'g':
      case 'G':
        return this.fmtFloatVerb(v, verb, -1);
      case 'b':
      case 'x':
      case 'X':
        return this.fmtFloatVerb(v, 'g', -1);
      case 'e':
      case 'E':
      case 'f':
      case 'F':
        return this.fmtFloatVerb(v, verb, 6);
      default:
        this.badVerb(verb, original);
    }
  }

  private fmtFloatVerb(v: number, verb: FloatVerb, defaultPrec: number): void {
    const f = this.f;
    const prec = f.precPresent ? f.prec : defaultPrec;
    let num = formatFloat(v, verb, prec);
    num = num.startsWith('-') || num.startsWith('+') ? num : '+' + num;
    if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const zero = f.zero;
      f.zero = false;
      if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
      this.pad(num);
      f.zero = zero;
      return;
    }
    if (f.sharp) num = sharpFloat(num, verb, prec);
    if (f.plus || num[0] !== '+') {
      if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
        this.buf += num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  fmtString(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        return this.f.sharpV ? this.fmtQ(s) : this.fmtS(s);
      case 's':
        return this.fmtS(s);
      case 'x':
        return this.fmtSx(s, false);
      case 'X':
        return this.fmtSx(s, true);
      case 'q':
        return this.fmtQ(s);
      default:
        this.badVerb(verb, s);
    }
  }

  private truncate(s: string): string {
    if (!this.f.precPresent) return s;
    return [...s].slice(0, this.f.prec).join('');
  }

  fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  private fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.f.sharp && canBackquote(s)) this.pad('`' + s + '`');
    else this.pad(this.f.plus ? quoteToASCII(s) : quote(s));
  }

  private fmtSx(s: string, upper: boolean): void {
    const f = this.f;
    const bytes = Buffer.from(s, 'utf8');
    const length = f.precPresent && f.prec < bytes.length ? f.prec : bytes.length;
    let width = 2 * length;
    if (width === 0) {
      if (f.widPresent) this.buf += this.padding(f.wid);
      return;
    }
    if (f.space) {
      if (f.sharp) width *= 2;
      width += length - 1;
    } else if (f.sharp) {
      width += 2;
    }
    const prefix = upper ? '0X' : '0x';
    let out = f.sharp ? prefix : '';
    for (let i = 0; i < length; i++) {
      if (f.space && i > 0) out += ' ' + (f.sharp ? prefix : '');
      const h = (bytes[i] ?? 0).toString(16).padStart(2, '0');
      out += upper ? h.toUpperCase() : h;
    }
    const fill = f.widPresent && f.wid > width ? this.padding(f.wid - width) : '';
    this.buf += f.minus ? out + fill : fill + out;
  }
}

function validRune(n: bigint): number {
  const cp = Number(n);
  return cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp;
}

/** The '#' flag on floats: always a decimal point, and %g keeps trailing zeros up to the precision. */
function sharpFloat(num: string, verb: FloatVerb, prec: number): string {
  let digits = verb === 'g' || verb === 'G' ? (prec === -1 ? 6 : prec) : 0;
  let tail = '';
  let body = num;
  const e = body.search(/[eE]/);
  if (e >= 0) {
    tail = body.slice(e);
    body = body.slice(0, e);
  }
  let sawNonzero = false;
  for (const ch of body.slice(1)) {
    if (ch === '.') continue;
    if (ch !== '0') sawNonzero = true;
    if (sawNonzero) digits--;
  }
  if (!body.includes('.')) {
    if (body.length === 2 && body[1] === '0') digits--;
    body += '.';
  }
  return body + '0'.repeat(Math.max(digits, 0)) + tail;
}
