// `--change` for import and commit: the changes are parsed as a Dockerfile and dispatched on
// the config, as moby's BuildFromConfig does (only the instructions validCommitCommands allows).
import type { ContainerConfig } from '@berth/core';
import { ShellLex, envsFromSlice } from './shell/lex.js';
import { DockerfileError } from './parser/parse-error.js';
import { parse } from './parser/parser.js';
import { expandCommand } from './instructions/expand.js';
import { parseInstruction } from './instructions/parse-instruction.js';
import type { Command } from './instructions/commands.js';
import { applyToConfig, newConfigState } from './image-config.js';

// The docs' list (docker commit/import --change); dockerd refuses STOPSIGNAL and HEALTHCHECK too.
const VALID_COMMIT_COMMANDS = new Set(['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'user', 'volume', 'workdir']);

export function applyDockerfileChanges(config: ContainerConfig, changes: readonly string[]): ContainerConfig {
  if (changes.length === 0) return config;
  const result = parse(changes.join('\n'));
  for (const n of result.ast.children) {
    if (!VALID_COMMIT_COMMANDS.has(n.value.toLowerCase())) {
      // dockerd names the instruction in lower case ("run is not a valid change command").
      throw new DockerfileError(`${n.value.toLowerCase()} is not a valid change command`);
    }
  }
  const commands = result.ast.children.map((n) => parseInstruction(n) as Command);
  const state = newConfigState(config);
  const lex = new ShellLex(result.escapeToken);
  for (const raw of commands) {
    // Each change sees the Env the previous ones left.
    const env = envsFromSlice(state.config.Env ?? []);
    applyToConfig(state, expandCommand(raw, (w) => lex.processWord(w, env), (w) => lex.processWords(w, env)));
  }
  return state.config;
}
