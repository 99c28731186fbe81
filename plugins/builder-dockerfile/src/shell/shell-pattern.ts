// Shell patterns of ${var#pat}, ${var%pat} and ${var/pat/rep} as regular expressions
// (buildkit convertShellPatternToRegex: ? and *, no bracket expressions), with Go's replace rules.
import { ShellLexError } from './shell-error.js';

export function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '.*' : '.*?';
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i]!;
    if (tok === '*') {
      out += star;
      continue;
    }
    if (tok === '?') {
      out += '.';
      continue;
    }
    if (tok === '\\') {
      // } and / must be escaped inside ${}, but that escape is not part of the pattern.
      const peek = chars[i + 1];
      if (peek === '}' || peek === '/') continue;
      const escaped = chars[++i];
      if (escaped !== '*' && escaped !== '?' && escaped !== '\\') {
        throw new ShellLexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${escaped ?? '\uFFFD'}'`);
      }
      out += '\\' + escaped;
      continue;
    }
    if ('[]{}.+()|^$'.includes(tok)) out += '\\';
    out += tok;
  }
  return new RegExp(out, 'u');
}

export function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/** Reverses a pattern without reversing its escapes: a\*c becomes c\*a. */
export function reversePattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i]!;
    const o = last - i;
    if (tok === '\\' && i !== last) {
      out[o - 1] = tok;
      out[o] = runes[i + 1]!;
      i += 2;
    } else {
      out[o] = tok;
      i++;
    }
  }
  return out.join('');
}

const reverse = (s: string): string => Array.from(s).reverse().join('');

export function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // A regular expression cannot find the shortest rightmost match, so both are reversed
  // and the suffix becomes a prefix (as buildkit does).
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

/** Go regexp template expansion ($0, ${1}, $name, $$); this pattern has no groups but $0. */
function expandGo(template: string, match: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const m = /^\{(\w+)\}/.exec(rest) ?? /^(\w+)/.exec(rest);
    if (!m) {
      out += '$';
      continue;
    }
    i += m[0].length;
    if (/^\d+$/.test(m[1]!) && Number(m[1]) === 0) out += match;
  }
  return out;
}

export function replaceFirst(re: RegExp, value: string, replacement: string): string {
  const m = re.exec(value);
  if (!m) return value;
  // buildkit splices the replacement in literally for a single replacement.
  return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
}

/** regexp.ReplaceAllString: an empty match right after a previous match is skipped. */
export function replaceAllGo(re: RegExp, value: string, replacement: string): string {
  const g = new RegExp(re.source, 'gu');
  let out = '';
  let last = 0;
  let prevEnd = -1;
  for (let m = g.exec(value); m; m = g.exec(value)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[0].length === 0) {
      if (start === prevEnd) {
        g.lastIndex = start + (value.codePointAt(start)! > 0xffff ? 2 : 1);
        if (start >= value.length) break;
        continue;
      }
      g.lastIndex = start + (start < value.length && value.codePointAt(start)! > 0xffff ? 2 : 1);
    }
    out += value.slice(last, start) + expandGo(replacement, m[0]);
    last = end;
    prevEnd = end;
    if (start >= value.length) break;
  }
  return out + value.slice(last);
}
