// Per-instruction argument parsers (ENV/LABEL key=value, JSON or shell form, HEALTHCHECK,
// ONBUILD nesting…): port of buildkit frontend/dockerfile/parser/line_parsers.go.
import { goQuote } from '@berth/core';
import { isGoSpace, trimLeftGoSpace } from '../shell/go-unicode.js';
import { newNode, type Node } from './node.js';
import { splitCommand } from './split-command.js';

/** The directive state a line parser needs: the current escape token. */
export interface ParseDirectives {
  escapeToken: string;
}

type LineParser = (rest: string, d: ParseDirectives) => { node?: Node; attrs?: Record<string, boolean> };

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';
const WHITESPACE = /[\t\v\f\r ]+/g;

/** Go's regexp.Split (it drops a leading empty field, keeps a trailing one). */
export function goRegexpSplit(re: RegExp, s: string, n: number): string[] {
  if (n === 0) return [];
  if (s.length === 0) return [''];
  const g = new RegExp(re.source, 'g');
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (let m = g.exec(s); m; m = g.exec(s)) {
    if (m[0].length === 0) g.lastIndex++;
    if (n > 0 && out.length === n - 1) break;
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** An unknown instruction keeps its name and one empty argument (buildkit's parseIgnore). */
const parseIgnore: LineParser = () => ({ node: newNode() });

/** ONBUILD RUN foo → (onbuild (run "foo")) */
const parseSubCommand: LineParser = (rest, d) => {
  if (rest === '') return {};
  const child = newNodeFromLine(rest, d, []);
  return { node: newNode({ children: [child] }) };
};

const enum Phase {
  InSpaces,
  InWord,
  InQuote,
}

/**
 * Splits on spaces outside quotes; quotes and escapes are kept in the words (they are
 * removed later, by the shell lexer).
 */
export function parseWords(rest: string, d: ParseDirectives): string[] {
  const runes = Array.from(rest);
  const words: string[] = [];
  let phase = Phase.InSpaces;
  let word = '';
  let quote = '';
  let blankOK = false;
  let ch = '';
  for (let pos = 0; pos <= runes.length; pos++) {
    if (pos !== runes.length) ch = runes[pos]!;
    if (phase === Phase.InSpaces) {
      if (pos === runes.length) break;
      if (isGoSpace(ch.codePointAt(0)!)) continue;
      phase = Phase.InWord;
    }
    if ((phase === Phase.InWord || phase === Phase.InQuote) && pos === runes.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === Phase.InWord) {
      if (isGoSpace(ch.codePointAt(0)!)) {
        phase = Phase.InSpaces;
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = Phase.InQuote;
      }
      if (ch === d.escapeToken) {
        if (pos + 1 === runes.length) continue; // an escape token at the end of the line is dropped
        // Unquoted, the escape token and the character after it are both kept, even a quote.
        word += ch;
        pos++;
        ch = runes[pos]!;
      }
      word += ch;
      continue;
    }
    // InQuote
    if (ch === quote) phase = Phase.InWord;
    // The escape token escapes inside double quotes, not inside single quotes.
    if (ch === d.escapeToken && quote !== "'") {
      if (pos + 1 === runes.length) {
        phase = Phase.InWord;
        continue;
      }
      pos++;
      word += ch;
      ch = runes[pos]!;
    }
    word += ch;
  }
  return words;
}

function keyValueNode(key: string, value: string, sep: string): Node {
  return newNode({ value: key, next: newNode({ value, next: newNode({ value: sep }) }) });
}

/** ENV/LABEL: `KEY value` (legacy, one pair) or `KEY=value …`; the third node records the form. */
function parseNameVal(rest: string, key: string, d: ParseDirectives): Node | undefined {
  const words = parseWords(rest, d);
  if (words.length === 0) return undefined;
  if (!words[0]!.includes('=')) {
    const parts = goRegexpSplit(WHITESPACE, rest, 2);
    if (parts.length < 2) throw new Error(`${key} must have two arguments`);
    return keyValueNode(parts[0]!, parts[1]!, '');
  }
  let root: Node | undefined;
  let prev: Node | undefined;
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) throw new Error(`Syntax error - can't find = in ${goQuote(word)}. Must be of the form: name=value`);
    const node = keyValueNode(word.slice(0, eq), word.slice(eq + 1), '=');
    root ??= node;
    if (prev) prev.next = node;
    prev = node.next!.next!;
  }
  return root;
}

const parseEnv: LineParser = (rest, d) => ({ node: parseNameVal(rest, 'ENV', d) });
const parseLabel: LineParser = (rest, d) => ({ node: parseNameVal(rest, 'LABEL', d) });

/** ARG: `name`, `name=`, `name=value`, several per line. */
const parseNameOrNameVal: LineParser = (rest, d) => {
  const words = parseWords(rest, d);
  return { node: chain(words) };
};

function chain(values: readonly string[]): Node | undefined {
  let root: Node | undefined;
  let prev: Node | undefined;
  for (const value of values) {
    const node = newNode({ value });
    if (prev) prev.next = node;
    else root = node;
    prev = node;
  }
  return root;
}

const parseStringsWhitespaceDelimited: LineParser = (rest) => {
  if (rest === '') return {};
  return { node: chain(goRegexpSplit(WHITESPACE, rest, -1)) };
};

const parseString: LineParser = (rest) => (rest === '' ? {} : { node: newNode({ value: rest }) });

class NotJSONArray extends Error {}
class NotStringArray extends Error {}

/** A JSON array of strings (exec form); anything else is not JSON here. */
function parseJSON(rest: string): { node?: Node; attrs: Record<string, boolean> } {
  rest = trimLeftGoSpace(rest);
  if (!rest.startsWith('[')) throw new NotJSONArray('not a JSON array');
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch (err) {
    throw new NotJSONArray((err as Error).message);
  }
  if (!Array.isArray(parsed)) throw new NotJSONArray('not a JSON array');
  if (!parsed.every((x): x is string => typeof x === 'string')) throw new NotStringArray(NOT_STRING_ARRAY);
  return { node: chain(parsed), attrs: { json: true } };
}

function jsonOr(rest: string, fallback: () => ReturnType<LineParser>): ReturnType<LineParser> {
  try {
    return parseJSON(rest);
  } catch (err) {
    if (err instanceof NotStringArray) throw new Error(NOT_STRING_ARRAY);
    return fallback();
  }
}

/** CMD/RUN/ENTRYPOINT/SHELL: a JSON array, else the whole rest as one string. */
const parseMaybeJSON: LineParser = (rest) => {
  if (rest === '') return {};
  return jsonOr(rest, () => ({ node: newNode({ value: rest }) }));
};

/** ADD/COPY/VOLUME: a JSON array, else whitespace-separated words. */
const parseMaybeJSONToList: LineParser = (rest, d) => jsonOr(rest, () => parseStringsWhitespaceDelimited(rest, d));

/** HEALTHCHECK: a type word (CMD, NONE, …) then, like CMD, JSON or a string. Byte-wise, as Go. */
const parseHealthConfig: LineParser = (rest, d) => {
  const bytes = Buffer.from(rest, 'utf8');
  let sep = 0;
  while (sep < bytes.length && !isGoSpace(bytes[sep]!)) sep++;
  let next = sep;
  while (next < bytes.length && isGoSpace(bytes[next]!)) next++;
  if (sep === 0) return {};
  const typ = bytes.subarray(0, sep).toString('utf8');
  const cmd = parseMaybeJSON(bytes.subarray(next).toString('utf8'), d);
  return { node: newNode({ value: typ, next: cmd.node }), attrs: cmd.attrs };
};

const DISPATCH: Record<string, LineParser> = {
  add: parseMaybeJSONToList,
  arg: parseNameOrNameVal,
  cmd: parseMaybeJSON,
  copy: parseMaybeJSONToList,
  entrypoint: parseMaybeJSON,
  env: parseEnv,
  expose: parseStringsWhitespaceDelimited,
  from: parseStringsWhitespaceDelimited,
  healthcheck: parseHealthConfig,
  label: parseLabel,
  maintainer: parseString,
  onbuild: parseSubCommand,
  run: parseMaybeJSON,
  shell: parseMaybeJSON,
  stopsignal: parseString,
  user: parseString,
  volume: parseMaybeJSONToList,
  workdir: parseString,
};

/** One logical line to an instruction node (newNodeFromLine). */
export function newNodeFromLine(line: string, d: ParseDirectives, comments: string[]): Node {
  const { cmd, flags, args } = splitCommand(line);
  const fn = Object.hasOwn(DISPATCH, cmd.toLowerCase()) ? DISPATCH[cmd.toLowerCase()]! : parseIgnore;
  const { node, attrs } = fn(args, d);
  return newNode({ value: cmd, original: line, flags, next: node, attributes: attrs ?? {}, prevComment: comments });
}
