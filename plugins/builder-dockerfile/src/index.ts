// @berth/builder-dockerfile: the Dockerfile frontend (parser, instructions, stages, variable
// substitution) and the build context (.dockerignore, context walker).
export { parse, formatWarnings, parseHeredoc, chompHeredocContent, type ParseResult, type ParseWarning } from './parser/parser.js';
export { dumpNode, nodeArgs, type Heredoc, type Node } from './parser/node.js';
export { DockerfileError, type LineRange } from './parser/parse-error.js';
export { DirectiveParser, detectSyntax, parseDirective, type Directive } from './parser/directives.js';
export {
  ShellLex,
  ShellLexError,
  emptyEnvs,
  envsFromMap,
  envsFromSlice,
  type EnvGetter,
  type ProcessWordResult,
} from './shell/lex.js';
export { parseInstruction, parseStages, type ParsedDockerfile } from './instructions/parse-instruction.js';
export type * from './instructions/commands.js';
export { expandCommand, type WordExpander, type WordsExpander } from './instructions/expand.js';
export { parseGoDuration } from './instructions/go-duration.js';
export {
  BUILTIN_ALLOWED_ARGS,
  copyFromStage,
  expandStage,
  planBuild,
  unconsumedBuildArgs,
  type BuildPlan,
  type ExpandedCommand,
  type ResolvedStage,
  type StageOptions,
} from './stages.js';
export {
  cleanPath,
  createIgnoreMatcher,
  parseDockerignore,
  readDockerignore,
  type DockerignoreFile,
  type IgnoreMatcher,
} from './context/dockerignore.js';
export { walkContext, type ContextEntry, type WalkOptions } from './context/context-walker.js';
export { applyToConfig, exposedPortKeys, newConfigState, normalizeWorkdir, type ConfigState } from './image-config.js';
export { applyDockerfileChanges } from './changes.js';
export { buildImage, BuildStepError, normalizeDest, type BuildOptions, type BuildResult } from './build/builder.js';
export { ImageFs, type FsNode } from './build/image-fs.js';
export { unpackContext, contextTarSize } from './build/context-archive.js';
