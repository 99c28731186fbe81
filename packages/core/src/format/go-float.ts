// Go's strconv.FormatFloat for float64 ('e', 'f', 'g' and shortest), so `%.4g`, `%.2f` and `%v`
// print exactly as Go does — including round-half-to-even on exact ties, where JS's toFixed differs.

/** A decimal `0.d1d2d3… × 10^dp` with no trailing zeros (strconv's decimalSlice). */
interface Decimal {
  digits: string;
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double (every double is a finite decimal). */
function exactDecimal(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp2: number;
  if (biased === 0) {
    exp2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  let digits: string;
  let dp: number;
  if (exp2 >= 0) {
    digits = (mantissa << BigInt(exp2)).toString();
    dp = digits.length;
  } else {
    // m × 2^-k = m × 5^k × 10^-k
    digits = (mantissa * 5n ** BigInt(-exp2)).toString();
    dp = digits.length + exp2;
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

/** Shortest digits that round-trip; JS and Go both pick the closest shortest representation. */
function shortestDecimal(v: number): Decimal {
  if (v === 0) return { digits: '', dp: 0 };
  const [mant = '0', exp = '0'] = v.toExponential().split('e');
  return { digits: mant.replace('.', '').replace(/0+$/, ''), dp: Number(exp) + 1 };
}

/** strconv's decimal.Round: round to nd digits, ties to even only when exactly halfway. */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next === 5 && nd + 1 === d.digits.length) {
    up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = next >= 5;
  }
  if (!up) return { digits: d.digits.slice(0, nd).replace(/0+$/, ''), dp: d.dp };
  let i = nd - 1;
  while (i >= 0 && d.digits[i] === '9') i--;
  if (i < 0) return { digits: '1', dp: d.dp + 1 };
  const bumped = d.digits.slice(0, i) + String.fromCharCode(d.digits.charCodeAt(i) + 1);
  return { digits: bumped, dp: d.dp };
}

function fmtE(d: Decimal, prec: number, expChar: string): string {
  let out = d.digits.length === 0 ? '0' : d.digits[0] ?? '0';
  if (prec > 0) {
    out += '.';
    const m = Math.min(d.digits.length, prec + 1);
    let i = 1;
    if (i < m) {
      out += d.digits.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) out += '0';
  }
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return `${out}${expChar}${sign}${exp < 10 ? '0' : ''}${exp}`;
}

function fmtF(d: Decimal, prec: number): string {
  let out = '';
  if (d.dp > 0) {
    const m = Math.min(d.digits.length, d.dp);
    out += d.digits.slice(0, m) + '0'.repeat(d.dp - m);
  } else {
    out = '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return out;
}

export type FloatVerb = 'e' | 'E' | 'f' | 'F' | 'g' | 'G';

/** strconv.FormatFloat(v, verb, prec, 64); prec < 0 means "shortest that round-trips". */
export function formatFloat(v: number, verb: FloatVerb, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(abs);
    if (verb === 'e' || verb === 'E') prec = Math.max(d.digits.length - 1, 0);
    else if (verb === 'f' || verb === 'F') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else if (verb === 'f' || verb === 'F') {
    d = roundDecimal(exactDecimal(abs), exactDecimal(abs).dp + prec);
  } else {
    let digits = prec;
    if (verb === 'e' || verb === 'E') digits++;
    else {
      if (prec === 0) prec = 1;
      digits = prec;
    }
    d = roundDecimal(exactDecimal(abs), digits);
  }
  return (neg ? '-' : '') + formatDigits(d, verb, prec, shortest);
}

function formatDigits(d: Decimal, verb: FloatVerb, prec: number, shortest: boolean): string {
  switch (verb) {
    case 'e':
    case 'E':
      return fmtE(d, prec, verb);
    case 'f':
    case 'F':
      return fmtF(d, prec);
    case 'g':
    case 'G': {
      let eprec = prec;
      if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
      // %e is used if the exponent from the conversion is less than -4 or greater than or
      // equal to the precision; for shortest output Go uses precision 6 for this decision.
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > d.digits.length) prec = d.digits.length;
        return fmtE(d, prec - 1, verb === 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = d.digits.length;
      return fmtF(d, Math.max(prec - d.dp, 0));
    }
  }
}
