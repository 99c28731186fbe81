// Go's path.Match (shell globs where `*` and `?` never cross `/`), ported to behave exactly alike:
// it works on UTF-8 bytes as Go does, so even its quirks (a `*` may resume mid-character) carry over.
import { BerthError } from './errors.js';

/** Go's path.ErrBadPattern text; Docker passes it to the user unchanged. */
export const BAD_PATTERN_MESSAGE = 'syntax error in pattern';

const SLASH = 0x2f;
const STAR = 0x2a;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const RUNE_ERROR = 0xfffd;

type Bytes = Uint8Array;

function badPattern(): BerthError {
  return new BerthError('ERR_INVALID_ARGUMENT', BAD_PATTERN_MESSAGE);
}

/**
 * Reports whether `name` matches the shell `pattern` as a whole (Go's path.Match).
 * Throws ERR_INVALID_ARGUMENT "syntax error in pattern" when the pattern is malformed, also
 * when the name does not match (Go validates the rest of the pattern before answering false).
 */
export function pathMatch(pattern: string, name: string): boolean {
  const p = Buffer.from(pattern, 'utf8');
  let n: Bytes = Buffer.from(name, 'utf8');
  let pi = 0;
  outer: while (pi < p.length) {
    const { star, chunk, next } = scanChunk(p, pi);
    pi = next;
    if (star && chunk.length === 0) return !n.includes(SLASH); // trailing * matches the rest unless it has a /
    const t = matchChunk(chunk, n);
    // The last chunk must exhaust the name; otherwise a star may still find a later match.
    if (t !== null && (t.length === 0 || pi < p.length)) {
      n = t;
      continue;
    }
    if (star) {
      // Skip i+1 bytes, never a '/'.
      for (let i = 0; i < n.length && n[i] !== SLASH; i++) {
        const rest = matchChunk(chunk, n.subarray(i + 1));
        if (rest !== null) {
          if (pi >= p.length && rest.length > 0) continue;
          n = rest;
          continue outer;
        }
      }
    }
    // Before answering false, check that the remainder of the pattern is well formed.
    while (pi < p.length) {
      const scanned = scanChunk(p, pi);
      pi = scanned.next;
      matchChunk(scanned.chunk, new Uint8Array(0));
    }
    return false;
  }
  return n.length === 0;
}

/** The next run of non-star pattern bytes, possibly preceded by stars. */
function scanChunk(p: Bytes, from: number): { star: boolean; chunk: Bytes; next: number } {
  let i = from;
  let star = false;
  while (i < p.length && p[i] === STAR) {
    i++;
    star = true;
  }
  const start = i;
  let inRange = false;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === BACKSLASH) {
      if (i + 1 < p.length) i++; // a trailing backslash is reported by matchChunk
    } else if (c === OPEN) {
      inRange = true;
    } else if (c === CLOSE) {
      inRange = false;
    } else if (c === STAR && !inRange) {
      return { star, chunk: p.subarray(start, i), next: i };
    }
  }
  return { star, chunk: p.subarray(start), next: p.length };
}

/**
 * Matches a star-free chunk against the start of `s`: the rest of `s`, or null when it does not match.
 * After a mismatch it keeps walking the chunk so a malformed pattern is always reported.
 */
function matchChunk(chunk: Bytes, s: Bytes): Bytes | null {
  let c = chunk;
  let failed = false;
  while (c.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const head = c[0];
    if (head === OPEN) {
      let r = 0;
      if (!failed) {
        const [rune, size] = decodeRune(s);
        r = rune;
        s = s.subarray(size);
      }
      c = c.subarray(1);
      let negated = false;
      if (c.length > 0 && c[0] === CARET) {
        negated = true;
        c = c.subarray(1);
      }
      let match = false;
      let nrange = 0;
      for (;;) {
        if (c.length > 0 && c[0] === CLOSE && nrange > 0) {
          c = c.subarray(1);
          break;
        }
        const lo = getEsc(c);
        let hi = lo.rune;
        c = lo.rest;
        if (c[0] === DASH) {
          const h = getEsc(c.subarray(1));
          hi = h.rune;
          c = h.rest;
        }
        if (lo.rune <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (head === QUESTION) {
      if (!failed) {
        if (s[0] === SLASH) failed = true;
        s = s.subarray(decodeRune(s)[1]);
      }
      c = c.subarray(1);
    } else {
      if (head === BACKSLASH) {
        c = c.subarray(1);
        if (c.length === 0) throw badPattern();
      }
      if (!failed) {
        if (c[0] !== s[0]) failed = true;
        s = s.subarray(1);
      }
      c = c.subarray(1);
    }
  }
  return failed ? null : s;
}

/** A possibly escaped character inside a character class. */
function getEsc(chunk: Bytes): { rune: number; rest: Bytes } {
  let c = chunk;
  if (c.length === 0 || c[0] === DASH || c[0] === CLOSE) throw badPattern();
  if (c[0] === BACKSLASH) {
    c = c.subarray(1);
    if (c.length === 0) throw badPattern();
  }
  const [rune, size] = decodeRune(c);
  if (rune === RUNE_ERROR && size === 1) throw badPattern();
  const rest = c.subarray(size);
  if (rest.length === 0) throw badPattern();
  return { rune, rest };
}

/** utf8.DecodeRuneInString: [rune, bytes used]; (U+FFFD, 1) for an invalid or cut sequence. */
function decodeRune(s: Bytes): [number, number] {
  const b0 = s[0];
  if (b0 === undefined) return [RUNE_ERROR, 0];
  if (b0 < 0x80) return [b0, 1];
  const size = b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3 : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
  if (size === 0 || s.length < size) return [RUNE_ERROR, 1];
  // Go's accept ranges: the second byte is narrowed after E0, ED, F0 and F4 (no overlongs, surrogates, > U+10FFFF).
  const b1 = s[1]!;
  const lo = b0 === 0xe0 ? 0xa0 : b0 === 0xf0 ? 0x90 : 0x80;
  const hi = b0 === 0xed ? 0x9f : b0 === 0xf4 ? 0x8f : 0xbf;
  if (b1 < lo || b1 > hi) return [RUNE_ERROR, 1];
  let rune = b0 & (size === 2 ? 0x1f : size === 3 ? 0x0f : 0x07);
  for (let i = 1; i < size; i++) {
    const b = s[i]!;
    if (i > 1 && (b < 0x80 || b > 0xbf)) return [RUNE_ERROR, 1];
    rune = (rune << 6) | (b & 0x3f);
  }
  return [rune, size];
}
