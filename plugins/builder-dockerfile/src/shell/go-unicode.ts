// Go's unicode.IsSpace, which differs from JavaScript's \s: it includes U+0085 (NEL) and
// excludes U+FEFF (BOM). The Dockerfile parser and the shell lexer split on it.

const SPACES = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

export function isGoSpace(cp: number): boolean {
  return SPACES.has(cp);
}

/** strings.TrimLeftFunc(s, unicode.IsSpace) */
export function trimLeftGoSpace(s: string): string {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    if (!isGoSpace(cp)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(i);
}

/** strings.TrimSpace */
export function trimGoSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isGoSpace(s.charCodeAt(end - 1))) end--;
  return trimLeftGoSpace(s.slice(0, end));
}
