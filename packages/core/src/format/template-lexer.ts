// The scanner of Go's text/template (parse/lex.go), state for state: trim markers, comments,
// numbers, strings, fields and variables, with Go's error texts. Positions are JS string indexes;
// template-nodes.ts turns them into Go's byte columns for error messages.

import { scanChar, scanNumberToken, scanQuote, scanRawQuote } from './template-lexer-literals.js';
import { formatRune, isAlphaNumeric, Item, KEYWORDS, type Token } from './template-tokens.js';

const EOF = -1;
const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const TRIM_MARKER_LEN = 2; // marker plus space before or after

const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
// Trim markers are "- " after a left delimiter and " -" before a right one; `at` indexes into `s`.
const hasLeftTrimMarker = (s: string, at: number): boolean => s[at] === '-' && isSpace(s.charCodeAt(at + 1));
const hasRightTrimMarker = (s: string, at: number): boolean => isSpace(s.charCodeAt(at)) && s[at + 1] === '-';

type StateFn = (l: Lexer) => Token | null;

export class Lexer {
  pos = 0;
  private start = 0;
  private width = 0;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private state: StateFn | null = lexText;
  breakOK = true;
  continueOK = true;

  constructor(readonly input: string) {}

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? EOF;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
    if (this.width === 1 && this.input[this.pos] === '\n') this.line--;
  }

  emit(typ: Item): Token {
    const t = { typ, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return t;
  }

  ignore(): void {
    this.line += countNewlines(this.input.slice(this.start, this.pos));
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(message: string): Token {
    this.state = null;
    return { typ: Item.Error, pos: this.start, val: message, line: this.startLine };
  }

  nextItem(): Token {
    while (this.state !== null) {
      const state: StateFn = this.state;
      const t = state(this);
      if (t !== null) return t;
    }
    return this.emit(Item.EOF);
  }

  setState(s: StateFn | null): void {
    this.state = s;
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    const { input, pos } = this;
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT_DELIM, pos + TRIM_MARKER_LEN)) {
      return { delim: true, trimSpaces: true };
    }
    if (input.startsWith(RIGHT_DELIM, pos)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  /** Can an identifier end here? Breaks .X.Y into two pieces; rejects $x+2. */
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    if (r === EOF) return true;
    if ('.,|:)('.includes(String.fromCodePoint(r))) return true;
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  parenDepthAdd(n: number): number {
    this.parenDepth += n;
    return this.parenDepth;
  }

  resetParenDepth(): void {
    this.parenDepth = 0;
  }

  advanceLine(text: string): void {
    this.line += countNewlines(text);
  }

  startPos(): number {
    return this.start;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

const trimRightLength = (s: string): number => s.length - s.replace(/[ \t\r\n]+$/, '').length;
function trimLeftLength(s: string, at: number): number {
  let i = at;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i - at;
}

function lexText(l: Lexer): Token | null {
  const x = l.input.indexOf(LEFT_DELIM, l.pos);
  if (x >= 0) {
    l.pos = x;
    const trimLength = hasLeftTrimMarker(l.input, x + LEFT_DELIM.length)
      ? trimRightLength(l.input.slice(l.startPos(), x))
      : 0;
    l.pos -= trimLength;
    let t: Token | null = null;
    if (l.pos > l.startPos()) {
      l.advanceLine(l.input.slice(l.startPos(), l.pos));
      t = l.emit(Item.Text);
    }
    l.pos += trimLength;
    l.ignore();
    l.setState(lexLeftDelim);
    return t;
  }
  l.pos = l.input.length;
  if (l.pos > l.startPos()) {
    l.advanceLine(l.input.slice(l.startPos(), l.pos));
    return l.emit(Item.Text);
  }
  l.setState(null);
  return l.emit(Item.EOF);
}

function lexLeftDelim(l: Lexer): Token | null {
  l.pos += LEFT_DELIM.length;
  const trimSpace = hasLeftTrimMarker(l.input, l.pos);
  const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    l.setState(lexComment);
    return null;
  }
  const t = l.emit(Item.LeftDelim);
  l.pos += afterMarker;
  l.ignore();
  l.resetParenDepth();
  l.setState(lexInsideAction);
  return t;
}

function lexComment(l: Lexer): Token | null {
  l.pos += LEFT_COMMENT.length;
  const i = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (i < 0) return l.errorf('unclosed comment');
  l.pos = i + RIGHT_COMMENT.length;
  const { delim, trimSpaces } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trimSpaces) l.pos += TRIM_MARKER_LEN;
  l.pos += RIGHT_DELIM.length;
  if (trimSpaces) l.pos += trimLeftLength(l.input, l.pos);
  l.ignore();
  l.setState(lexText);
  return null;
}

function lexRightDelim(l: Lexer): Token | null {
  const trimSpace = hasRightTrimMarker(l.input, l.pos);
  if (trimSpace) {
    l.pos += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.pos += RIGHT_DELIM.length;
  const t = l.emit(Item.RightDelim);
  if (trimSpace) {
    l.pos += trimLeftLength(l.input, l.pos);
    l.ignore();
  }
  l.setState(lexText);
  return t;
}

function lexInsideAction(l: Lexer): Token | null {
  const { delim } = l.atRightDelim();
  if (delim) {
    if (l.parenDepthAdd(0) === 0) {
      l.setState(lexRightDelim);
      return null;
    }
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  const c = r === EOF ? '' : String.fromCodePoint(r);
  if (r === EOF) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup(); // Put space back in case we have " -}}".
    l.setState(lexSpace);
    return null;
  }
  switch (c) {
    case '=':
      return l.emit(Item.Assign);
    case ':':
      if (l.next() !== 0x3d) return l.errorf('expected :=');
      return l.emit(Item.Declare);
    case '|':
      return l.emit(Item.Pipe);
    case '"':
      l.setState(lexQuote);
      return null;
    case '`':
      l.setState(lexRawQuote);
      return null;
    case '$':
      l.setState(lexVariable);
      return null;
    case "'":
      l.setState(lexChar);
      return null;
    case '(':
      l.parenDepthAdd(1);
      return l.emit(Item.LeftParen);
    case ')': {
      const t = l.emit(Item.RightParen);
      if (l.parenDepthAdd(-1) < 0) return l.errorf('unexpected right paren');
      return t;
    }
  }
  if (c === '.') {
    // special look-ahead for ".field" so we don't break l.backup().
    if (l.pos < l.input.length) {
      const n = l.input[l.pos]!;
      if (n < '0' || n > '9') {
        l.setState(lexField);
        return null;
      }
    }
  }
  if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
    l.backup();
    l.setState(lexNumber);
    return null;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    l.setState(lexIdentifier);
    return null;
  }
  if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return l.emit(Item.Char);
  return l.errorf(`unrecognized character in action: ${formatRune(r)}`);
}

function lexSpace(l: Lexer): Token | null {
  let numSpaces = 0;
  while (isSpace(l.peek())) {
    l.next();
    numSpaces++;
  }
  // Be careful about a trim-marked closing delimiter, which has a minus after a space.
  if (hasRightTrimMarker(l.input, l.pos - 1) && l.input.startsWith(RIGHT_DELIM, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup(); // Before the space.
    if (numSpaces === 1) {
      l.setState(lexRightDelim);
      return null;
    }
  }
  l.setState(lexInsideAction);
  return l.emit(Item.Space);
}

function lexIdentifier(l: Lexer): Token | null {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.startPos(), l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r)}`);
    l.setState(lexInsideAction);
    const key = KEYWORDS[word];
    if (key !== undefined && key > Item.Keyword) {
      if ((key === Item.Break && !l.breakOK) || (key === Item.Continue && !l.continueOK)) return l.emit(Item.Identifier);
      return l.emit(key);
    }
    if (word.startsWith('.')) return l.emit(Item.Field);
    if (word === 'true' || word === 'false') return l.emit(Item.Bool);
    return l.emit(Item.Identifier);
  }
}

function lexField(l: Lexer): Token | null {
  return lexFieldOrVariable(l, Item.Field);
}

function lexVariable(l: Lexer): Token | null {
  if (l.atTerminator()) {
    l.setState(lexInsideAction);
    return l.emit(Item.Variable);
  }
  return lexFieldOrVariable(l, Item.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: Item): Token | null {
  if (l.atTerminator()) {
    l.setState(lexInsideAction);
    return l.emit(typ === Item.Variable ? Item.Variable : Item.Dot);
  }
  let r: number;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${formatRune(r)}`);
  l.setState(lexInsideAction);
  return l.emit(typ);
}

/** After a literal the scanner continues inside the action, unless the literal was an error. */
function literal(scan: (l: Lexer) => Token): StateFn {
  return (l) => {
    const t = scan(l);
    if (t.typ !== Item.Error) l.setState(lexInsideAction);
    return t;
  };
}

const lexChar = literal(scanChar);
const lexNumber = literal(scanNumberToken);
const lexQuote = literal(scanQuote);
const lexRawQuote = literal(scanRawQuote);
