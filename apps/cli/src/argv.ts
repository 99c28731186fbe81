// Docker accepts `--human=false` and `-H=false` for booleans that default to true; oclif spells
// that `--no-human`. Rewrite before parsing so both spellings work.

const NEGATABLE: Record<string, string> = { '-H': 'human', '--human': 'human', '--disable-content-trust': 'disable-content-trust', '--pause': 'pause' };

export function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((arg) => {
    const m = /^(-{1,2}[^=]+)=(true|false)$/i.exec(arg);
    const name = m ? NEGATABLE[m[1]!] : undefined;
    if (!m || !name) return arg;
    return m[2]!.toLowerCase() === 'false' ? `--no-${name}` : `--${name}`;
  });
}
