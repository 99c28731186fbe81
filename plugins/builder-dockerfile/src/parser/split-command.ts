// Splits a logical line into instruction, `--flags` and the rest: port of buildkit
// frontend/dockerfile/parser/split_command.go.
import { isGoSpace, trimGoSpace } from '../shell/go-unicode.js';

const WHITESPACE = /[\t\v\f\r ]+/;

export interface SplitCommand {
  cmd: string;
  flags: string[];
  args: string;
}

export function splitCommand(line: string): SplitCommand {
  const trimmed = trimGoSpace(line);
  const m = WHITESPACE.exec(trimmed);
  if (!m) return { cmd: trimmed, flags: [], args: '' };
  const cmd = trimmed.slice(0, m.index);
  const { rest, flags } = extractBuilderFlags(trimmed.slice(m.index + m[0].length));
  return { cmd, flags, args: trimGoSpace(rest) };
}

const enum Phase {
  InSpaces,
  InWord,
  InQuote,
}

/**
 * Reads leading `--name[=value]` words (quotes and backslashes honoured) and returns them with
 * the rest of the line; a bare `--` ends the flags. buildkit walks bytes, not characters, so
 * this does too: a multi-byte character inside a flag comes out as Latin-1 runes, as in Go.
 */
export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const bytes = Buffer.from(line, 'utf8');
  const restFrom = (pos: number) => bytes.subarray(pos).toString('utf8');
  const words: string[] = [];
  let phase = Phase.InSpaces;
  let word = '';
  let quote = 0;
  let blankOK = false;
  let ch = 0;
  const len = bytes.length;
  for (let pos = 0; pos <= len; pos++) {
    if (pos !== len) ch = bytes[pos]!;
    if (phase === Phase.InSpaces) {
      if (pos === len) break;
      if (isGoSpace(ch)) continue;
      // Only keep going if the next word starts with --
      if (ch !== 0x2d || pos + 1 === len || bytes[pos + 1] !== 0x2d) return { rest: restFrom(pos), flags: words };
      phase = Phase.InWord;
    }
    if ((phase === Phase.InWord || phase === Phase.InQuote) && pos === len) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === Phase.InWord) {
      if (isGoSpace(ch)) {
        phase = Phase.InSpaces;
        if (word === '--') return { rest: restFrom(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === 0x27 || ch === 0x22) {
        quote = ch;
        blankOK = true;
        phase = Phase.InQuote;
        continue;
      }
      if (ch === 0x5c) {
        if (pos + 1 === len) continue; // a \ at the end is dropped
        pos++;
        ch = bytes[pos]!;
      }
      word += String.fromCharCode(ch);
      continue;
    }
    // InQuote
    if (ch === quote) {
      phase = Phase.InWord;
      continue;
    }
    if (ch === 0x5c) {
      if (pos + 1 === len) {
        phase = Phase.InWord;
        continue;
      }
      pos++;
      ch = bytes[pos]!;
    }
    word += String.fromCharCode(ch);
  }
  return { rest: '', flags: words };
}
