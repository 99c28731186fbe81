// Tokens of Go's text/template scanner (parse/lex.go items) and how parse errors name them.

export enum Item {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords appear after all the rest.
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export const KEYWORDS: Record<string, Item> = {
  '.': Item.Dot,
  block: Item.Block,
  break: Item.Break,
  continue: Item.Continue,
  define: Item.Define,
  else: Item.Else,
  end: Item.End,
  if: Item.If,
  range: Item.Range,
  nil: Item.Nil,
  template: Item.Template,
  with: Item.With,
};

export interface Token {
  typ: Item;
  pos: number;
  val: string;
  line: number;
}

/** item.String(): how a token is named in "unexpected …" errors. */
export function tokenString(t: Token): string {
  if (t.typ === Item.EOF) return 'EOF';
  if (t.typ === Item.Error) return t.val;
  if (t.typ > Item.Keyword) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return JSON.stringify(runes.slice(0, 10).join('')) + '...';
  return JSON.stringify(t.val);
}

/** `%#U` in lexer errors: U+0041 'A'. */
export function formatRune(r: number): string {
  if (r === -1) return 'U+FFFFFFFFFFFFFFFF';
  const hex = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  return r >= 0x20 && r !== 0x7f ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}


/** Go's isAlphaNumeric: what identifiers, fields and variables are made of. */
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;
export const isAlphaNumeric = (r: number): boolean =>
  r === 0x5f || (r >= 0 && LETTER_OR_DIGIT.test(String.fromCodePoint(r)));
