// Parser directives (`# syntax=`, `# escape=`, `# check=`) at the top of a Dockerfile:
// port of buildkit frontend/dockerfile/parser/directives.go.

const VALID = new Set(['syntax', 'escape', 'check']);

export interface Directive {
  name: string;
  value: string;
  line: number;
}

/**
 * Reads directives line by line until the first line that is not one (an empty line, an
 * ordinary comment or an instruction). A directive may appear only once.
 */
export class DirectiveParser {
  private line = 0;
  private done = false;
  private readonly seen = new Set<string>();
  private readonly re: RegExp;

  constructor(comment = '#', firstLine = 0) {
    // Go's \s is ASCII space only: [\t\n\f\r ].
    this.re = new RegExp(`^${comment}[\\t\\n\\f\\r ]*([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*$`);
    this.line = firstLine;
  }

  parseLine(line: string): Directive | undefined {
    this.line++;
    if (this.done) return undefined;
    const m = this.re.exec(line);
    if (!m) {
      this.done = true;
      return undefined;
    }
    const name = m[1]!.toLowerCase();
    if (!VALID.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new Error(`only one ${name} parser directive can be used`);
    this.seen.add(name);
    return { name, value: m[2]!, line: this.line };
  }

  parseAll(text: string): Directive[] {
    const out: Directive[] = [];
    for (const line of text.split('\n')) {
      if (this.done) break;
      const d = this.parseLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      if (d) out.push(d);
    }
    return out;
  }
}

/**
 * The `syntax` directive (DetectSyntax): `# syntax=…`, else `// syntax=…`, else a JSON
 * document's "syntax" key; a leading `#!` line is skipped.
 */
export function detectSyntax(text: string): { syntax: string; cmdline: string } | undefined {
  return parseDirective('syntax', text, true);
}

export function parseDirective(key: string, text: string, anyFormat = false): { syntax: string; cmdline: string } | undefined {
  let dt = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 0;
  const nl = dt.indexOf('\n');
  if ((nl < 0 ? dt : dt.slice(0, nl)).startsWith('#!')) {
    dt = nl < 0 ? '' : dt.slice(nl + 1);
    line++;
  }
  const fromParser = (p: DirectiveParser) => {
    let ds: Directive[] = [];
    try {
      ds = p.parseAll(dt);
    } catch {
      // A repeated directive stops the scan; what was read so far still counts.
    }
    const d = ds.find((x) => x.name === key);
    if (!d) return undefined;
    const sp = d.value.indexOf(' ');
    return { syntax: sp < 0 ? d.value : d.value.slice(0, sp), cmdline: d.value };
  };
  const hash = fromParser(new DirectiveParser('#', line));
  if (hash || !anyFormat) return hash;
  const slashes = fromParser(new DirectiveParser('//', line));
  if (slashes) return slashes;
  try {
    const doc: unknown = JSON.parse(dt);
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const v = (doc as Record<string, unknown>)[key];
      if (typeof v === 'string') return { syntax: v, cmdline: v };
    }
  } catch {
    // not JSON
  }
  return undefined;
}
