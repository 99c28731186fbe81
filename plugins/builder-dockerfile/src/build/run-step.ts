// What a RUN executes and how its history line reads (moby dispatchRun): the shell form gets the
// current SHELL, heredocs follow BuildKit, and the build args in scope that ENV does not override
// go into the environment and prefix the history line as `|N KEY=value … cmd`.
import type { ContainerConfig } from '@berth/core';
import type { RunCommand } from '../instructions/commands.js';
import { shellOf } from './history-text.js';

export interface RunInvocation {
  args: string[];
  /** KEY=value of the build args RUN sees, sorted. */
  argEnv: string[];
  createdBy: string;
}

export function runInvocation(cmd: RunCommand, config: ContainerConfig, buildArgs: ReadonlyMap<string, string>): RunInvocation {
  const shell = shellOf(config);
  let args: string[];
  if (cmd.files.length > 0) {
    // `RUN <<EOF` runs the document as the script; `RUN cmd <<EOF` hands the documents to the shell.
    const only = /^<<-?["']?(\w+)["']?$/.exec(cmd.cmdLine.join(' ').trim());
    if (only && cmd.files.length === 1) args = [...shell, cmd.files[0]!.data];
    else args = [...shell, [cmd.cmdLine.join(' '), ...cmd.files.map((f) => `${f.data}${f.name}`)].join('\n')];
  } else args = cmd.prependShell ? [...shell, cmd.cmdLine.join(' ')] : cmd.cmdLine;
  const env = new Set((config.Env ?? []).map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e)));
  const argEnv = [...buildArgs].filter(([k]) => !env.has(k)).map(([k, v]) => `${k}=${v}`).sort();
  const createdBy = (argEnv.length > 0 ? [`|${argEnv.length}`, ...argEnv, ...args] : args).join(' ');
  return { args, argEnv, createdBy };
}
