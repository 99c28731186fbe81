// The shell lexer against buildkit's own tables (lex_test.go: TestProcessWithMatches,
// TestShellParserMandatoryEnvVars, TestConvertShellPatternToRegex, TestReversePattern) and the
// Dockerfile reference's "Environment replacement" examples.
import { describe, expect, it } from 'vitest';
import { ShellLex, envsFromMap, envsFromSlice } from './lex.js';
import { reversePattern, shellPatternToRegExp } from './shell-pattern.js';

interface Case {
  input: string;
  envs: Record<string, string>;
  expected?: string;
  err?: true;
  matches?: string[];
  unmatched?: string[];
}

// buildkit frontend/dockerfile/shell/lex_test.go TestProcessWithMatches
const CASES: Case[] = [
  { input: 'x', envs: { DUMMY: 'dummy' }, expected: 'x' },
  { input: 'x ${UNUSED}', envs: { DUMMY: 'dummy' }, expected: 'x ', unmatched: ['UNUSED'] },
  { input: 'x ${FOO}', envs: { FOO: 'y' }, expected: 'x y', matches: ['FOO'] },
  { input: '${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx  ccc', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx bbb ccc', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${FOO:-}', envs: {}, expected: '', unmatched: ['FOO'] },
  { input: '${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'aaa bbb ', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', envs: { FOO: 'xxx', BAR: '' }, expected: 'aaa  ', matches: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO?aaa}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${BAR?bbb}', envs: { FOO: 'xxx', BAR: '' }, expected: '', matches: ['BAR'] },
  { input: '${BAZ?ccc}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${FOO:?aaa}', envs: { FOO: 'xxx', BAR: '' }, expected: 'xxx', matches: ['FOO'] },
  { input: '${BAR:?bbb}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${BAZ:?ccc}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${BAZ:?}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${FOO=aaa}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${FOO=:aaa}', envs: { FOO: 'xxx', BAR: '' }, err: true },
  { input: '${FOO=}', envs: {}, err: true },
  { input: '${FOO#()[]{\\}^$.\\*\\?|\\\\}', envs: { FOO: '()[]{}^$.*?|\\x' }, expected: 'x', matches: ['FOO'] },
  { input: '${FOO%%\\**}', envs: { FOO: 'xx**' }, expected: 'xx', matches: ['FOO'] },
  { input: '${FOO#*x*y}', envs: { FOO: 'xxyy' }, expected: 'y', matches: ['FOO'] },
  { input: '${FOO#*}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO#$BAR}', envs: { FOO: 'xxyy', BAR: 'x' }, expected: 'xyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO#$BAR}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO#}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO##*x}', envs: { FOO: 'xxyy' }, expected: 'yy', matches: ['FOO'] },
  { input: '${FOO##}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO#?\\?}', envs: { FOO: '???y' }, expected: '?y', matches: ['FOO'] },
  { input: '${ABC:-.}${FOO%x}${ABC:-.}', envs: { FOO: 'xxyy' }, expected: '.xxyy.', matches: ['FOO'], unmatched: ['ABC'] },
  { input: '${FOO%%\\**\\*}', envs: { FOO: 'a***yy*' }, expected: 'a', matches: ['FOO'] },
  { input: '${FOO%}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO%%$BAR}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'xxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO:#}', envs: {}, err: true },
  { input: '${FOO:##}', envs: {}, err: true },
  { input: '${FOO:%}', envs: {}, err: true },
  { input: '${FOO:%%}', envs: {}, err: true },
  { input: '${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', envs: { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, expected: '/foo.*/*.txt - /foo..*.txt', matches: ['FOO', 'NEEDLE'] },
  { input: '${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', envs: { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, expected: '/tmp/bar.txt - /bar.txt', matches: ['FOO', 'NEEDLE'] },
  {
    input: '${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}',
    envs: { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' },
    expected: '/foo/b/c.txt - /foo/c.txt',
    matches: ['FOO', 'NEEDLE', 'REPLACEMENT'],
  },
  { input: '${FOO/$NEEDLE/$REPLACEMENT}', envs: { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, expected: 'https://google.de', matches: ['FOO', 'NEEDLE', 'REPLACEMENT'] },
  { input: '${FOO//\\//\\/}', envs: { FOO: '/tmp/foo.txt' }, expected: '\\/tmp\\/foo.txt', matches: ['FOO'] },
  { input: '${FOO/$BAR/ww}', envs: { FOO: 'xxyy', BAR: '' }, expected: 'wwxxyy', matches: ['FOO', 'BAR'] },
  { input: '${FOO//ww}', envs: { FOO: 'xxyy' }, err: true },
  { input: '${FOO//}', envs: { FOO: 'xxyy' }, err: true },
  { input: '${FOO///}', envs: { FOO: 'xxyy' }, expected: 'xxyy', matches: ['FOO'] },
  { input: '${FOO///}', envs: {}, expected: '', unmatched: ['FOO'] },
];

describe('ProcessWordWithMatches (buildkit table)', () => {
  const lex = new ShellLex('\\');
  it.each(CASES.map((c) => [c.input, c] as const))('%s', (_input, c) => {
    if (c.err) {
      expect(() => lex.processWordWithMatches(c.input, envsFromMap(c.envs))).toThrow();
      return;
    }
    const r = lex.processWordWithMatches(c.input, envsFromMap(c.envs));
    expect(r.result).toBe(c.expected);
    expect([...r.matched].sort()).toEqual([...(c.matches ?? [])].sort());
    expect([...r.unmatched].sort()).toEqual([...(c.unmatched ?? [])].sort());
  });

  it('builds release names with ${VAR:+-${VAR}}', () => {
    const release = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
    const run = (env: Record<string, string>) => lex.processWord(release, envsFromMap(env));
    const base = { VERSION: 'v1.2.3', TARGETOS: 'linux' };
    expect(run({ ...base, TARGETARCH: 'arm', TARGETVARIANT: 'v7' })).toBe('something-v1.2.3.linux-arm-v7.tar.gz');
    expect(run({ ...base, TARGETARCH: 'arm64', TARGETVARIANT: '' })).toBe('something-v1.2.3.linux-arm64.tar.gz');
    expect(run({ ...base, TARGETARCH: 'arm64' })).toBe('something-v1.2.3.linux-arm64.tar.gz');
  });
});

describe('mandatory variables', () => {
  const lex = new ShellLex('\\');
  const set = envsFromSlice(['VAR=plain', 'ARG=x']);
  const empty = envsFromSlice(['VAR=', 'ARG=x']);
  const unset = envsFromSlice(['ARG=x']);
  it('${VAR:?msg} refuses empty and unset', () => {
    expect(lex.processWord('${VAR:?message here$ARG}', set)).toBe('plain');
    expect(() => lex.processWord('${VAR:?message here$ARG}', empty)).toThrow('message herex');
    expect(() => lex.processWord('${VAR:?message here$ARG}', unset)).toThrow('message herex');
  });
  it('${VAR?msg} refuses only unset', () => {
    expect(lex.processWord('${VAR?message here$ARG}', set)).toBe('plain');
    expect(lex.processWord('${VAR?message here$ARG}', empty)).toBe('');
    expect(() => lex.processWord('${VAR?message here$ARG}', unset)).toThrow('message herex');
  });
  it('names the variable and the word in the error', () => {
    expect(() => lex.processWord('${X:?}', unset)).toThrow('failed to process "${X:?}": X: is not allowed to be unset');
  });
});

describe('patterns', () => {
  it('converts shell patterns', () => {
    const cases: Record<string, string> = {
      '*': '^.*',
      '?': '^.',
      '\\*': '^\\*',
      '(()[]{\\}^$.\\*\\?|\\\\': '^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\',
    };
    for (const [pattern, source] of Object.entries(cases)) expect(shellPatternToRegExp(pattern, true, true).source).toBe(source);
    for (const bad of ['\\', '\\x', '\\\\\\']) expect(() => shellPatternToRegExp(bad, true, true)).toThrow();
  });
  it('reverses patterns keeping escapes', () => {
    const cases: Record<string, string> = { 'a\\*c': 'c\\*a', '\\\\\\ab': 'b\\a\\\\', 'ab\\': '\\ba', '👽\\🚀🖖': '🖖\\🚀👽', '\\\\b': 'b\\\\' };
    for (const [p, r] of Object.entries(cases)) expect(reversePattern(p)).toBe(r);
  });
});

describe('quotes, escapes and words', () => {
  const env = envsFromSlice(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const lex = new ShellLex('\\');
  it('follows the reference on $foo, ${foo} and escaped dollars', () => {
    expect(lex.processWord('he$PWD', env)).toBe('he/home');
    expect(lex.processWord('he${PWD}x', env)).toBe('he/homex');
    expect(lex.processWord('he\\$PWD', env)).toBe('he$PWD');
    expect(lex.processWord("'$PWD'", env)).toBe('$PWD');
    expect(lex.processWord('"$PWD"', env)).toBe('/home');
    expect(lex.processWord('"he\\$PWD"', env)).toBe('he$PWD');
    expect(lex.processWord('$KOREAN', env)).toBe('한국어');
    expect(lex.processWord('$.', env)).toBe('$.');
  });
  it('refuses bad substitutions and unterminated quotes', () => {
    for (const bad of ['${}', 'he${}xx', "he'llo", '"hello', '${PWD', '${{aaa}', '${:}'])
      expect(() => lex.processWord(bad, env)).toThrow();
  });
  it('splits words after substitution, keeping quoted spaces', () => {
    const words = envsFromSlice(['A=x y', 'B=']);
    expect(lex.processWords('a $A "b c" d\\ e', words)).toEqual(['a', 'x', 'y', 'b c', 'd e']);
    expect(lex.processWords('"$A" $B \'\'', words)).toEqual(['x y']);
  });
  it('can keep quotes and leave unset variables as written', () => {
    const raw = new ShellLex('\\');
    raw.rawQuotes = true;
    raw.skipUnsetEnv = true;
    expect(raw.processWord('"a" ${X:-y} $Y ${PWD}', env)).toBe('"a" ${X:-y} $Y /home');
  });
  it('uses a backtick as escape when told', () => {
    expect(new ShellLex('`').processWord('c:\\dir `$PWD', env)).toBe('c:\\dir $PWD');
  });
});
