// The token stream under Go's template parser (parse.go's next/peek/backup with three tokens of
// lookahead), and its error helpers: "template: NAME:LINE: unexpected … in …".

import { Lexer } from './template-lexer.js';
import { Item, tokenString, type Token } from './template-tokens.js';

export class ParseError extends Error {}

export class TokenReader {
  protected readonly lex: Lexer;
  private readonly token: Token[] = [];
  private peekCount = 0;
  /** Line of the left delimiter starting the current action, for "in action started at". */
  protected actionLine = 0;

  constructor(
    text: string,
    protected readonly parseName: string,
  ) {
    this.lex = new Lexer(text);
  }

  protected errorf(message: string): never {
    throw new ParseError(`template: ${this.parseName}:${this.token[0]?.line ?? 1}: ${message}`);
  }

  protected next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }

  protected backup(): void {
    this.peekCount++;
  }

  protected backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  protected backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  protected peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }

  protected nextNonSpace(): Token {
    let t: Token;
    do t = this.next();
    while (t.typ === Item.Space);
    return t;
  }

  protected peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  protected expect(expected: Item, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }

  protected unexpected(t: Token, context: string): never {
    if (t.typ === Item.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length); // avoid "action in action"
      }
      this.errorf(`${tokenString(t)}${extra}`);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }
}
