// Parses WWW-Authenticate (RFC 7235): `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`,
// the first step of the registry's token handshake (distribution's docs/spec/auth/token.md).

export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** Every challenge in the header, scheme lower-cased; parameters unquoted. */
export function parseChallenges(header: string | undefined): AuthChallenge[] {
  if (!header) return [];
  const out: AuthChallenge[] = [];
  const re = /\s*([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+|$)/y;
  const paramRe = /\s*([\w!#$%&'*+.^`|~-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)\s*,?/y;
  let pos = 0;
  while (pos < header.length) {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m) break;
    pos = re.lastIndex;
    const challenge: AuthChallenge = { scheme: m[1]!.toLowerCase(), params: {} };
    for (;;) {
      paramRe.lastIndex = pos;
      const p = paramRe.exec(header);
      if (!p) break;
      // A bare token after a comma is the next challenge's scheme, not a parameter.
      challenge.params[p[1]!.toLowerCase()] = p[3] !== undefined ? p[3].replace(/\\(.)/g, '$1') : p[2]!;
      pos = paramRe.lastIndex;
    }
    out.push(challenge);
    while (header[pos] === ',' || header[pos] === ' ') pos++;
  }
  return out;
}
