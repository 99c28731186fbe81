// The Dockerfile parser: lines, directives, continuations, comments and heredocs into a
// syntax tree. A port of buildkit frontend/dockerfile/parser/parser.go, quirks included.
import { ShellLex, emptyEnvs } from '../shell/lex.js';
import { trimGoSpace, trimLeftGoSpace } from '../shell/go-unicode.js';
import { DirectiveParser } from './directives.js';
import { newNodeFromLine, type ParseDirectives } from './line-parsers.js';
import { newNode, type Heredoc, type Node } from './node.js';
import { DockerfileError, withLocation } from './parse-error.js';

export interface ParseWarning {
  short: string;
  detail: string[];
  url: string;
  line: number;
}

export interface ParseResult {
  /** The root: one child per instruction. */
  ast: Node;
  escapeToken: string;
  warnings: ParseWarning[];
}

/** bufio.MaxScanTokenSize: buildkit refuses longer lines. */
const MAX_LINE = 64 * 1024;

const HEREDOC_INSTRUCTIONS = new Set(['add', 'copy', 'run']);
const HEREDOC_COMPOUND = new Set(['onbuild']);
const HEREDOC_WORD = /^(\d*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

class Directives implements ParseDirectives {
  escapeToken = '\\';
  lineContinuation = continuationRegExp('\\');
  readonly parser = new DirectiveParser();

  setEscapeToken(s: string): void {
    if (s !== '`' && s !== '\\') throw new Error(`invalid escape token '${s}' does not match \` or \\`);
    this.escapeToken = s;
    this.lineContinuation = continuationRegExp(s);
  }

  /** True when the line was a parser directive. */
  possibleParserDirective(line: string): boolean {
    const directive = this.parser.parseLine(line);
    if (directive?.name === 'escape') this.setEscapeToken(directive.value);
    return directive !== undefined;
  }
}

/**
 * The escape token ends a line as a continuation unless it is itself escaped; the second
 * branch is a continuation token alone on its line.
 */
function continuationRegExp(token: string): RegExp {
  const t = '\\' + token;
  return new RegExp(`([^${t}])${t}[ \\t]*$|^${t}[ \\t]*$`);
}

/** Lines with their line endings kept (buildkit's scanLines), refusing over-long ones. */
class LineScanner {
  private readonly lines: string[];
  private i = 0;
  tooLong = false;

  constructor(text: string) {
    this.lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  }

  scan(): string | undefined {
    if (this.tooLong || this.i >= this.lines.length) return undefined;
    const line = this.lines[this.i++]!;
    if (Buffer.byteLength(line, 'utf8') > MAX_LINE) {
      this.tooLong = true;
      return undefined;
    }
    return line;
  }
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '');
const isComment = (s: string): boolean => trimLeftGoSpace(s).startsWith('#');
const isEmptyContinuationLine = (s: string): boolean => trimLeftGoSpace(trimNewline(s)).length === 0;

function trimContinuation(line: string, d: Directives): { line: string; endOfLine: boolean } {
  if (d.lineContinuation.test(line)) return { line: line.replace(d.lineContinuation, '$1'), endOfLine: false };
  return { line, endOfLine: true };
}

/** processLine: strips the newline (and leading space on a first line), checks for a directive, drops comments. */
function processLine(d: Directives, token: string, stripLeftWhitespace: boolean): { line: string; directive: boolean } {
  token = trimNewline(token);
  if (stripLeftWhitespace) token = trimLeftGoSpace(token);
  const directive = d.possibleParserDirective(token);
  return { line: isComment(token) ? '' : token, directive };
}

function canContainHeredoc(node: Node): boolean {
  if (HEREDOC_COMPOUND.has(node.value.toLowerCase()) && node.next && node.next.children.length > 0) {
    node = node.next.children[0]!;
  }
  return HEREDOC_INSTRUCTIONS.has(node.value.toLowerCase()) && !node.attributes['json'];
}

/** A heredoc from one word of the line, or undefined when the word is not one. */
export function parseHeredoc(word: string): Omit<Heredoc, 'content'> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const fd = m[1] === '' ? 0 : Number(m[1]);
  const chomp = m[2] === '-';
  const rest = m[3]!;
  if (rest.length === 0) return undefined;
  const lex = new ShellLex('\\');
  lex.skipUnsetEnv = true;
  // Lex the delimiter with and without quote removal: if they differ, part of it was quoted
  // and the content is not expanded.
  const words = lex.processWords(rest, emptyEnvs);
  if (words.length !== 1) return undefined;
  lex.rawQuotes = true;
  const raw = lex.processWords(rest, emptyEnvs);
  if (raw.length !== words.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  const name = words[0]!;
  return { name, expand: quotes(name) === quotes(raw[0]!), chomp, fileDescriptor: Number.isSafeInteger(fd) ? fd : 0 };
}

function heredocsFromLine(line: string): Omit<Heredoc, 'content'>[] {
  const lex = new ShellLex('\\');
  lex.rawQuotes = true;
  lex.rawEscapes = true;
  lex.skipUnsetEnv = true;
  let words: string[] = [];
  try {
    words = lex.processWords(line, emptyEnvs);
  } catch {
    // buildkit ignores lexing errors here: the line simply has no heredocs
  }
  const docs: Omit<Heredoc, 'content'>[] = [];
  for (const word of words) {
    const doc = parseHeredoc(word);
    if (doc) docs.push(doc);
  }
  return docs;
}

/** Removes leading tabs from every line of a `<<-` heredoc. */
export function chompHeredocContent(src: string): string {
  return src.replace(/^\t+/gm, '');
}

/** Parses a Dockerfile (bytes are read as UTF-8; a leading BOM is ignored). */
export function parse(input: string | Uint8Array): ParseResult {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const d = new Directives();
  const scanner = new LineScanner(text);
  const root = newNode({ startLine: -1 });
  const warnings: ParseWarning[] = [];
  let comments: string[] = [];
  let currentLine = 0;

  for (let raw = scanner.scan(); raw !== undefined; raw = scanner.scan()) {
    let bytesRead = currentLine === 0 && raw.startsWith('\uFEFF') ? raw.slice(1) : raw;
    if (isComment(bytesRead)) {
      // buildkit drops the first character of the untrimmed line, whatever it is.
      const comment = trimGoSpace(bytesRead.slice(1));
      if (comment === '') comments = [];
      else comments.push(comment);
    }
    let processed: { line: string; directive: boolean };
    try {
      processed = processLine(d, bytesRead, true);
    } catch (err) {
      throw withLocation(err, currentLine, 0);
    }
    // A directive is not a comment of the next instruction.
    if (processed.directive) comments = comments.slice(0, -1);
    bytesRead = processed.line;
    currentLine++;

    const startLine = currentLine;
    let { line: buf, endOfLine } = trimContinuation(bytesRead, d);
    if (endOfLine && buf.length === 0) continue;

    let hasEmptyContinuationLine = false;
    while (!endOfLine) {
      const next = scanner.scan();
      if (next === undefined) break;
      let continued: string;
      try {
        continued = processLine(d, next, false).line;
      } catch (err) {
        throw withLocation(err, currentLine, 0);
      }
      currentLine++;
      if (isComment(next)) continue; // comment lines inside a continuation are skipped
      if (isEmptyContinuationLine(continued)) {
        hasEmptyContinuationLine = true;
        continue;
      }
      const t = trimContinuation(continued, d);
      endOfLine = t.endOfLine;
      buf += t.line;
    }
    const line = buf;

    if (hasEmptyContinuationLine) {
      warnings.push({
        short: 'Empty continuation line found in: ' + line,
        detail: ['Empty continuation lines will become errors in a future release'],
        url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
        line: currentLine,
      });
    }

    let child: Node;
    try {
      child = newNodeFromLine(line, d, comments);
    } catch (err) {
      throw withLocation(err, startLine, currentLine);
    }

    if (canContainHeredoc(child) && line.includes('<<')) {
      let docs: Omit<Heredoc, 'content'>[];
      try {
        docs = heredocsFromLine(line);
      } catch (err) {
        throw withLocation(err, startLine, currentLine);
      }
      for (const doc of docs) {
        let content = '';
        let terminated = false;
        for (let l = scanner.scan(); l !== undefined; l = scanner.scan()) {
          currentLine++;
          let candidate = trimNewline(l);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          content += l;
        }
        if (!terminated) throw withLocation(new Error('unterminated heredoc'), startLine, currentLine);
        child.heredocs.push({ ...doc, content });
      }
    }

    child.startLine = startLine;
    child.endLine = currentLine;
    if (root.startLine < 0) root.startLine = startLine;
    root.endLine = currentLine;
    root.children.push(child);
    comments = [];
  }

  if (root.startLine < 0) throw withLocation(new Error('file with no instructions'), currentLine, 0);
  if (scanner.tooLong) {
    throw withLocation(new Error(`dockerfile line greater than max allowed size of ${MAX_LINE - 1}`), currentLine, 0);
  }
  return { ast: root, escapeToken: d.escapeToken, warnings };
}

/** (*Result).PrintWarnings */
export function formatWarnings(result: ParseResult): string {
  if (result.warnings.length === 0) return '';
  return (
    result.warnings.map((w) => `[WARNING]: ${w.short}\n`).join('') +
    '[WARNING]: Empty continuation lines will become errors in a future release.\n'
  );
}

export { DockerfileError };
