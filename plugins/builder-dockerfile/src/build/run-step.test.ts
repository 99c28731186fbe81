// RUN's argv and history line, as the classic builder writes them.
import { describe, expect, it } from 'vitest';
import type { RunCommand } from '../instructions/commands.js';
import { runInvocation } from './run-step.js';

const run = (over: Partial<RunCommand>): RunCommand => ({
  kind: 'run', name: 'run', code: '', location: [], cmdLine: [], files: [], prependShell: true, mounts: [], network: '', security: '', flagsUsed: [], ...over,
});

describe('runInvocation', () => {
  it('shell form under the current SHELL; build args not overridden by ENV prefix the history line', () => {
    const r = runInvocation(run({ cmdLine: ['echo $A $B'] }), { Shell: ['/bin/bash', '-c'], Env: ['B=env'] }, new Map([['B', 'arg'], ['A', '1'], ['C', 'x y']]));
    expect(r.args).toEqual(['/bin/bash', '-c', 'echo $A $B']);
    expect(r.argEnv).toEqual(['A=1', 'C=x y']);
    expect(r.createdBy).toBe('|2 A=1 C=x y /bin/bash -c echo $A $B');
  });

  it('exec form runs as written', () => {
    const r = runInvocation(run({ cmdLine: ['/bin/echo', 'hi'], prependShell: false }), {}, new Map());
    expect(r).toEqual({ args: ['/bin/echo', 'hi'], argEnv: [], createdBy: '/bin/echo hi' });
  });

  it('heredocs: a lone document is the script, otherwise the shell reads the documents', () => {
    expect(runInvocation(run({ cmdLine: ['<<EOF'], files: [{ name: 'EOF', data: 'a\nb\n', chomp: false }] }), {}, new Map()).args).toEqual(['/bin/sh', '-c', 'a\nb\n']);
    expect(runInvocation(run({ cmdLine: ['cat <<EOT > /f'], files: [{ name: 'EOT', data: 'x\n', chomp: false }] }), {}, new Map()).args).toEqual([
      '/bin/sh',
      '-c',
      'cat <<EOT > /f\nx\nEOT',
    ]);
  });
});
