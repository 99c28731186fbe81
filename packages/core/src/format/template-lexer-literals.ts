// Literal scanners of Go's template lexer: character constants, numbers, quoted and raw strings.

import type { Lexer } from './template-lexer.js';
import { isAlphaNumeric, Item, type Token } from './template-tokens.js';

const EOF = -1;

/** A character constant; the opening quote is already scanned. Syntax is checked by the parser. */
export function scanChar(l: Lexer): Token {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF && r !== 0x0a) continue;
    }
    if (r === EOF || r === 0x0a) return l.errorf('unterminated character constant');
    if (r === 0x27) break;
  }
  return l.emit(Item.CharConstant);
}

function scanNumber(l: Lexer): boolean {
  l.accept('+-');
  let digits = '0123456789_';
  if (l.accept('0')) {
    // Note: Leading 0 does not mean octal in floats.
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 10 + 1 && l.accept('eE')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  if (digits.length === 16 + 6 + 1 && l.accept('pP')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  l.accept('i');
  if (isAlphaNumeric(l.peek())) {
    l.next();
    return false;
  }
  return true;
}

/**
 * A number: decimal, octal, hex, float, or imaginary. Not a perfect scanner (it accepts "." and
 * "089"), but when it's wrong the input is invalid and the parser will notice.
 */
export function scanNumberToken(l: Lexer): Token {
  const bad = (): Token => l.errorf(`bad number syntax: ${JSON.stringify(l.input.slice(l.startPos(), l.pos))}`);
  if (!scanNumber(l)) return bad();
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    // Complex: 1+2i. No spaces, must end in 'i'.
    if (!scanNumber(l) || l.input[l.pos - 1] !== 'i') return bad();
      return l.emit(Item.Complex);
  }
  return l.emit(Item.Number);
}

/** A quoted string; the opening quote is already scanned. */
export function scanQuote(l: Lexer): Token {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF && r !== 0x0a) continue;
    }
    if (r === EOF || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === 0x22) break;
  }
  return l.emit(Item.String);
}

/** A raw string; the opening backquote is already scanned. */
export function scanRawQuote(l: Lexer): Token {
  for (;;) {
    const r = l.next();
    if (r === EOF) return l.errorf('unterminated raw quoted string');
    if (r === 0x60) break;
  }
  return l.emit(Item.RawString);
}
