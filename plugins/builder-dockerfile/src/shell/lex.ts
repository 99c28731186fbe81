// Shell-style word splitting and variable expansion for Dockerfile arguments: a port of
// moby/buildkit frontend/dockerfile/shell/lex.go ($var, ${var}, ${var:-w}, ${var+w}, ${var?m}, #, %, /).
import { isGoSpace } from './go-unicode.js';
import { ShellLexError } from './shell-error.js';
import { shellPatternToRegExp, replaceFirst, replaceAllGo, trimPrefix, trimSuffix } from './shell-pattern.js';

export { ShellLexError };

/** The variables a word is expanded against; `get` answers undefined for an unset variable. */
export interface EnvGetter {
  get(key: string): string | undefined;
  keys(): string[];
}


/** Env from `KEY=value` strings; a later duplicate wins, as buildkit's EnvsFromSlice. */
export function envsFromSlice(env: readonly string[]): EnvGetter {
  const map = new Map<string, string>();
  const keys: string[] = [];
  for (const e of env) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    keys.push(k);
    map.set(k, i < 0 ? '' : e.slice(i + 1));
  }
  return { get: (k) => map.get(k), keys: () => keys };
}

export function envsFromMap(m: Readonly<Record<string, string>> | ReadonlyMap<string, string>): EnvGetter {
  const map = m instanceof Map ? new Map(m) : new Map(Object.entries(m));
  return { get: (k) => map.get(k), keys: () => [...map.keys()] };
}

export const emptyEnvs: EnvGetter = { get: () => undefined, keys: () => [] };

export interface ProcessWordResult {
  result: string;
  words: string[];
  matched: Set<string>;
  unmatched: Set<string>;
}

const EOF = -1;
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0'].map((c) => c.codePointAt(0)!));

function isDigit(cp: number): boolean {
  return /^\p{Nd}$/u.test(String.fromCodePoint(cp));
}
function isLetter(cp: number): boolean {
  return /^\p{L}$/u.test(String.fromCodePoint(cp));
}

/** Collects space-separated words while the result string is built (wordsStruct in lex.go). */
class Words {
  private buf = '';
  private inWord = false;
  readonly words: string[] = [];

  addChar(ch: string): void {
    const space = isGoSpace(ch.codePointAt(0)!);
    if (space && this.inWord) {
      if (this.buf.length !== 0) {
        this.words.push(this.buf);
        this.buf = '';
        this.inWord = false;
      }
    } else if (!space) {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string): void {
    this.buf += ch;
    this.inWord = true;
  }
  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string): void {
    this.buf += s;
    this.inWord = true;
  }
  getWords(): string[] {
    if (this.buf.length > 0) {
      this.words.push(this.buf);
      this.buf = '';
      this.inWord = false;
    }
    return this.words;
  }
}

/** One pass over one word (shellWord in lex.go). Code points stand for Go runes. */
class ShellWord {
  private readonly src: number[];
  private pos = 0;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    private readonly lex: ShellLex,
    word: string,
    private readonly envs: EnvGetter,
    private rawEscapes: boolean,
  ) {
    this.src = Array.from(word, (c) => c.codePointAt(0)!);
  }

  private peek(): number {
    return this.pos < this.src.length ? this.src[this.pos]! : EOF;
  }
  private next(): number {
    return this.pos < this.src.length ? this.src[this.pos++]! : EOF;
  }

  process(source: string): { result: string; words: string[] } {
    try {
      return this.processStopOn(EOF, this.rawEscapes);
    } catch (err) {
      if (err instanceof ShellLexError) throw new ShellLexError(`failed to process ${goQuoteSimple(source)}: ${err.message}`);
      throw err;
    }
  }

  private processStopOn(stopChar: number, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    // Each call has its own word buffer (buildkit shares one since 2024, which drops the text
    // before a nested ${…} from ProcessWords; the per-call buffer is what its tests describe).
    const words = new Words();
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      const escape = this.lex.escapeToken.codePointAt(0)!;
      while (this.peek() !== EOF) {
        let ch = this.peek();
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return { result, words: words.getWords() };
        }
        const special = ch === 0x24 || (!this.lex.skipProcessQuotes && (ch === 0x27 || ch === 0x22));
        if (special) {
          const tmp = ch === 0x24 ? this.processDollar() : ch === 0x27 ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          if (ch === 0x24) words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        ch = this.next();
        if (ch === escape) {
          if (this.rawEscapes) {
            words.addRawChar(String.fromCodePoint(ch));
            result += String.fromCodePoint(ch);
          }
          // The escape token escapes the next character, except at the end of the word.
          ch = this.next();
          if (ch === EOF) break;
          words.addRawChar(String.fromCodePoint(ch));
        } else {
          words.addChar(String.fromCodePoint(ch));
        }
        result += String.fromCodePoint(ch);
      }
      if (stopChar !== EOF) {
        throw new ShellLexError(`unexpected end of statement while looking for matching ${String.fromCodePoint(stopChar)}`);
      }
      return { result, words: words.getWords() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    // sh(1): single quotes preserve every character literally; a single quote cannot be escaped.
    let result = '';
    let ch = this.next();
    if (this.lex.rawQuotes) result += String.fromCodePoint(ch);
    for (;;) {
      ch = this.next();
      if (ch === EOF) throw new ShellLexError('unexpected end of statement while looking for matching single-quote');
      if (ch === 0x27) {
        if (this.lex.rawQuotes) result += "'";
        return result;
      }
      result += String.fromCodePoint(ch);
    }
  }

  private processDoubleQuote(): string {
    // sh(1): inside double quotes only $, ` and the escape keep a meaning; the escape only
    // quotes ", $ and itself, otherwise it stays literal.
    let result = '';
    const escape = this.lex.escapeToken.codePointAt(0)!;
    const open = this.next();
    if (this.lex.rawQuotes) result += String.fromCodePoint(open);
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new ShellLexError('unexpected end of statement while looking for matching double-quote');
      if (p === 0x22) {
        this.next();
        if (this.lex.rawQuotes) result += '"';
        return result;
      }
      if (p === 0x24) {
        result += this.processDollar();
        continue;
      }
      let ch = this.next();
      if (ch === escape) {
        if (this.rawEscapes) result += String.fromCodePoint(ch);
        const q = this.peek();
        if (q === EOF) continue; // an escape at the end of the word is dropped
        if (q === 0x22 || q === 0x24 || q === escape) ch = this.next();
      }
      result += String.fromCodePoint(ch);
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== 0x7b) {
      // $name
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new ShellLexError("syntax error: missing '}'");
    if (first === 0x7b || first === 0x7d || first === 0x3a) throw new ShellLexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    let chs = ch === EOF ? '\uFFFD' : String.fromCodePoint(ch);
    let nullIsUnset = false;
    if (ch === 0x3a) {
      // ${name:…}: an empty value counts as unset; the modifier follows.
      nullIsUnset = true;
      ch = this.next();
      chs += ch === EOF ? '\uFFFD' : String.fromCodePoint(ch);
    } else if (ch === 0x7d) {
      // ${name}
      const value = this.getEnv(name);
      if (value === undefined && this.lex.skipUnsetEnv) return '${' + name + '}';
      return value ?? '';
    }
    if (nullIsUnset || ch === 0x2b || ch === 0x2d || ch === 0x3f || ch === 0x23 || ch === 0x25) {
      return this.processModifier(name, ch, chs, nullIsUnset);
    }
    switch (ch) {
      case 0x2f: {
        // ${name/pattern/replacement} and ${name//pattern/replacement}
        const replaceAll = this.peek() === 0x2f;
        if (replaceAll) this.next();
        let pattern: string;
        try {
          pattern = this.processStopOn(0x2f, true).result;
        } catch (err) {
          if (this.peek() === EOF) throw new ShellLexError("syntax error: missing '/' in ${}");
          throw err;
        }
        let replacement: string;
        try {
          replacement = this.processStopOn(0x7d, true).result;
        } catch (err) {
          if (this.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
          throw err;
        }
        const value = this.getEnv(name);
        if (this.lex.skipUnsetEnv && value === undefined) return '${' + name + '/' + pattern + '/' + replacement + '}';
        const re = shellPatternToRegExp(pattern, true, false);
        return replaceAll ? replaceAllGo(re, value ?? '', replacement) : replaceFirst(re, value ?? '', replacement);
      }
      default:
        throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processModifier(name: string, ch: number, chs: string, nullIsUnset: boolean): string {
    const trims = ch === 0x23 || ch === 0x25;
    if (nullIsUnset && trims) throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    let word: string;
    try {
      word = this.processStopOn(0x7d, trims).result;
    } catch (err) {
      if (this.peek() === EOF) throw new ShellLexError("syntax error: missing '}'");
      throw err;
    }
    const value = this.getEnv(name);
    if (this.lex.skipUnsetEnv && value === undefined) return '${' + name + chs + word + '}';
    const empty = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case 0x2d:
        return empty ? word : value!;
      case 0x2b:
        return empty ? '' : word;
      case 0x3f:
        if (value === undefined) throw new ShellLexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new ShellLexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case 0x25:
      case 0x23: {
        // %/# remove the shortest match, %%/## the longest.
        let greedy = false;
        if (word.length > 0 && word.codePointAt(0) === ch) {
          greedy = true;
          word = word.slice(1);
        }
        return ch === 0x25 ? trimSuffix(word, value ?? '', greedy) : trimPrefix(word, value ?? '', greedy);
      }
      default:
        throw new ShellLexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  private processName(): string {
    // A name is letters, digits and _; a leading digit reads only digits; a special
    // parameter ($@, $*, $#, …) is one character.
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name.length === 0 && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += String.fromCodePoint(this.next());
        return name;
      }
      if (name.length === 0 && SPECIAL_PARAMS.has(ch)) return String.fromCodePoint(this.next());
      if (!isLetter(ch) && !isDigit(ch) && ch !== 0x5f) break;
      name += String.fromCodePoint(this.next());
    }
    return name;
  }

  private getEnv(name: string): string | undefined {
    const v = this.envs.get(name);
    if (v !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return v;
  }
}

/** Go %q for the error prefix, kept local so the lexer has no dependency on the formatter. */
function goQuoteSimple(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (m, h: string) => {
    const n = parseInt(h, 16);
    return n < 0x20 ? `\\x${h.slice(2)}` : m;
  });
}

/**
 * buildkit's shell.Lex. `rawQuotes` keeps quote characters in the result, `rawEscapes` keeps
 * escape tokens, `skipUnsetEnv` leaves references to unset variables as written and
 * `skipProcessQuotes` treats quotes as ordinary characters.
 */
export class ShellLex {
  rawQuotes = false;
  rawEscapes = false;
  skipProcessQuotes = false;
  skipUnsetEnv = false;

  constructor(readonly escapeToken: string = '\\') {}

  processWordWithMatches(word: string, env: EnvGetter): ProcessWordResult {
    const sw = new ShellWord(this, word, env, this.rawEscapes);
    const { result, words } = sw.process(word);
    return { result, words, matched: sw.matched, unmatched: sw.unmatched };
  }

  /** Expands variables in `word` and removes quotes, keeping the spaces between words. */
  processWord(word: string, env: EnvGetter): string {
    return this.processWordWithMatches(word, env).result;
  }

  /** Expands variables, then splits on unquoted spaces (after substitution, as buildkit does). */
  processWords(word: string, env: EnvGetter): string[] {
    return this.processWordWithMatches(word, env).words;
  }
}
