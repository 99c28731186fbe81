// Parser behaviour outside the corpus: heredocs, directives, continuations, warnings and
// errors. Expectations come from buildkit's parser_test.go / parser_heredoc_test.go and the
// Dockerfile reference ("Parser directives", "Here-Documents").
import { describe, expect, it } from 'vitest';
import { parseWords } from './line-parsers.js';
import { dumpNode } from './node.js';
import { chompHeredocContent, formatWarnings, parse, parseHeredoc } from './parser.js';
import { detectSyntax } from './directives.js';

const dump = (src: string) => dumpNode(parse(src).ast);

describe('heredocs', () => {
  const dockerfile = `
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
\tfoo
\tbar
INDENT

RUN <<-UNINDENT
\tbaz
\tquux
UNINDENT

RUN <<-UNINDENT2
\tbaz
\tquux
\tUNINDENT2

RUN <<-EXPAND
\texpand $NAME
EXPAND

RUN <<-'NOEXPAND'
\tdon't expand $NAME
NOEXPAND

RUN <<COPY
echo hello world
echo foo bar
COPY

RUN <<COMMENT
# internal comment
echo hello world
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<X <<Y /dest
Y
X
X
Y
\t`;
  const doc = (name: string, content: string, extra: { expand?: boolean; chomp?: boolean; fileDescriptor?: number } = {}) => ({
    name,
    content,
    expand: extra.expand ?? true,
    chomp: extra.chomp ?? false,
    fileDescriptor: extra.fileDescriptor ?? 0,
  });
  const expected = [
    [], // ENV
    [], // RUN ls
    [], // USER <<INVALID: USER cannot take a heredoc
    [], // INVALID (an unknown instruction)
    [doc('EMPTY', '')],
    [doc('EMPTY2', '', { fileDescriptor: 3 })],
    [], // RUN "<<NOHEREDOC"
    [doc('INDENT', '\tfoo\n\tbar\n')],
    [doc('UNINDENT', '\tbaz\n\tquux\n', { chomp: true })],
    [doc('UNINDENT2', '\tbaz\n\tquux\n', { chomp: true })],
    [doc('EXPAND', '\texpand $NAME\n', { chomp: true })],
    [doc('NOEXPAND', "\tdon't expand $NAME\n", { chomp: true, expand: false })],
    [doc('COPY', 'echo hello world\necho foo bar\n')],
    [doc('COMMENT', '# internal comment\necho hello world\necho foo bar # trailing comment\n')],
    [doc('MOUNT', 'echo hello\n')],
    [doc('FILE1', 'content 1\n'), doc('FILE2', 'content 2\n')],
    [doc('X', 'Y\n'), doc('Y', 'X\n')],
  ];
  const { ast } = parse(dockerfile);
  expected.forEach((heredocs, i) => {
    it(`instruction ${i + 1} (${ast.children[i + 1]?.original}) carries ${heredocs.length} heredoc(s)`, () => {
      expect(ast.children[i + 1]!.heredocs).toEqual(heredocs);
    });
  });

  it('exec-form RUN takes no heredoc', () => {
    const r = parse('FROM alpine:3.6\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n');
    for (const c of r.ast.children.slice(1)) expect(c.heredocs).toEqual([]);
  });

  it('ONBUILD RUN takes a heredoc', () => {
    const r = parse('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n');
    expect(r.ast.children[1]!.heredocs).toEqual([doc('EOF', 'echo hi\n')]);
  });

  it('an unterminated heredoc is refused', () => {
    expect(() => parse('FROM a\nRUN <<EOF\necho hi\n')).toThrow('unterminated heredoc');
  });

  it('recognises heredoc words as buildkit does', () => {
    for (const src of ['<<EOF', "<<'EOF'", '<<"EOF"', '<<-EOF', "<<-'EOF'", '<<-"EOF"']) expect(parseHeredoc(src)?.name).toBe('EOF');
    for (const src of ['', 'EOF', '<<', '<<-', '<EOF', '<<<EOF']) expect(parseHeredoc(src)).toBeUndefined();
    for (const src of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) expect(() => parseHeredoc(src)).toThrow();
  });

  it('chomps leading tabs of every line', () => {
    expect(chompHeredocContent('\thello\n\tworld\n')).toBe('hello\nworld\n');
  });
});

describe('parseWords', () => {
  const d = { escapeToken: '\\' };
  it.each([
    ['foo', ['foo']],
    ['foo bar', ['foo', 'bar']],
    ['foo\\ bar', ['foo\\ bar']],
    ['foo=bar', ['foo=bar']],
    ["foo bar 'abc xyz'", ['foo', 'bar', "'abc xyz'"]],
    ['foo bar "abc xyz"', ['foo', 'bar', '"abc xyz"']],
    ['àöû', ['àöû']],
    ['föo bàr "âbc xÿz"', ['föo', 'bàr', '"âbc xÿz"']],
  ])('%s', (input, words) => {
    expect(parseWords(input, d)).toEqual(words);
  });
});

describe('lines', () => {
  it('records start and end lines of each instruction', () => {
    const r = parse('\n# c\nFROM a\n\nRUN a \\\n  b\nCMD x\n');
    expect(r.ast.children.map((c) => [c.startLine, c.endLine])).toEqual([[3, 3], [5, 6], [7, 7]]);
    expect([r.ast.startLine, r.ast.endLine]).toEqual([3, 7]);
  });

  it('warns on empty continuation lines but not on comment lines', () => {
    const r = parse(`
FROM alpine:3.6

RUN something \\

    following \\

    more

RUN another \\

    thing
RUN non-indented \\
# this is a comment
   after-comment

RUN indented \\
    # this is an indented comment
    comment
\t`);
    expect(r.warnings.map((w) => w.short)).toEqual([
      'Empty continuation line found in: RUN something     following     more',
      'Empty continuation line found in: RUN another     thing',
    ]);
    expect(formatWarnings(r)).toContain('[WARNING]: Empty continuation lines will become errors in a future release.\n');
    expect(dump('FROM a\nRUN non-indented \\\n# comment\n   after-comment\n')).toBe('(from "a")\n(run "non-indented    after-comment")');
  });

  it('refuses a line longer than 64 KiB', () => {
    const label = 'a'.repeat(64 * 1024);
    expect(() => parse(`\n\t\tFROM image\n\t\tLABEL test=${label}\n`)).toThrow('dockerfile line greater than max allowed size of 65535');
  });

  it('ignores a byte-order mark and CRLF line endings', () => {
    expect(dump('\uFEFFFROM a\r\nRUN b \\\r\n c\r\n')).toBe('(from "a")\n(run "b  c")');
  });

  it('keeps comments before an instruction, dropping directives', () => {
    const r = parse('# syntax=docker/dockerfile:1\n# hello\n# world\nFROM a\n');
    expect(r.ast.children[0]!.prevComment).toEqual(['hello', 'world']);
  });

  it('an unknown instruction parses, with one empty argument', () => {
    expect(dump('FROM a\nFOO bar baz\n')).toBe('(from "a")\n(foo "")');
  });

  it('refuses nested JSON arrays and a missing ENV value', () => {
    expect(() => parse('CMD [ "echo", [ "nested json" ] ]')).toThrow('when using JSON array syntax, arrays must be comprised of strings only');
    expect(() => parse('FROM busybox\nENV PATH\n')).toThrow('ENV must have two arguments');
    expect(() => parse('FROM busybox\nLABEL a=b c\n')).toThrow(`Syntax error - can't find = in "c". Must be of the form: name=value`);
  });

  it('refuses an empty file and a file of comments', () => {
    expect(() => parse('')).toThrow('file with no instructions');
    expect(() => parse('# only\n\n')).toThrow('file with no instructions');
  });
});

describe('directives', () => {
  it('switches the escape token to a backtick', () => {
    expect(dump('# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo `$x\n')).toBe('(from "a")\n(run "dir c:\\\\   && echo `$x")');
  });

  it('refuses an escape token other than ` or \\', () => {
    expect(() => parse('# escape=x\nFROM a\n')).toThrow("invalid escape token 'x' does not match ` or \\");
  });

  it('refuses a repeated directive', () => {
    expect(() => parse('# escape=`\n# escape=\\\nFROM a\n')).toThrow('only one escape parser directive can be used');
  });

  it('stops looking for directives after a comment, an empty line or an instruction', () => {
    // The reference: after a non-directive line, `# escape=` is an ordinary comment.
    expect(dump('# about\n# escape=`\nFROM a\nRUN a \\\n b\n')).toBe('(from "a")\n(run "a  b")');
    expect(dump('\n# escape=`\nFROM a\nRUN a \\\n b\n')).toBe('(from "a")\n(run "a  b")');
    expect(dump('FROM a\n# escape=`\nRUN a `\n b\n')).toBe('(from "a")\n(run "a `")\n(b "")');
  });

  it('ignores unknown directives and treats them as comments', () => {
    expect(dump('# unknowndirective=x\n# escape=`\nFROM a\nRUN a \\\n b\n')).toBe('(from "a")\n(run "a  b")');
  });

  it('detects the syntax directive in its three forms', () => {
    expect(detectSyntax('# syntax=docker/dockerfile:1.7 --x\nFROM a')).toEqual({ syntax: 'docker/dockerfile:1.7', cmdline: 'docker/dockerfile:1.7 --x' });
    expect(detectSyntax('#!/usr/bin/env x\n# syntax = foo\nFROM a')?.syntax).toBe('foo');
    expect(detectSyntax('// syntax=bar\n')?.syntax).toBe('bar');
    expect(detectSyntax('{"syntax": "baz"}')?.syntax).toBe('baz');
    expect(detectSyntax('FROM a\n# syntax=x')).toBeUndefined();
  });

  it('accepts a check directive', () => {
    expect(dump('# check=skip=all\n# escape=`\nFROM a\n')).toBe('(from "a")');
  });
});
