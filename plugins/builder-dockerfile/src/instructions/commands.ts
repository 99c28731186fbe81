// Typed Dockerfile instructions, one interface per instruction, after buildkit's
// frontend/dockerfile/instructions/commands.go.
import type { LineRange } from '../parser/parse-error.js';

export interface KeyValuePair {
  key: string;
  value: string;
}

export interface KeyValuePairOptional {
  key: string;
  /** undefined for `ARG name` without a default. */
  value?: string;
  comment: string;
}

interface Base {
  /** Lower-case instruction name. */
  name: string;
  /** The instruction as written, continuations joined, trimmed. */
  code: string;
  location: LineRange[];
}

/** A heredoc used as a COPY/ADD source: a file with this content. */
export interface SourceContent {
  path: string;
  data: string;
  expand: boolean;
}

export interface SourcesAndDest {
  sourcePaths: string[];
  sourceContents: SourceContent[];
  destPath: string;
}

/** A heredoc attached to RUN (a script or a file for the command). */
export interface ShellInlineFile {
  name: string;
  data: string;
  chomp: boolean;
}

export interface ShellDependantCmdLine {
  cmdLine: string[];
  files: ShellInlineFile[];
  /** Shell form: the current SHELL is prepended when it runs. */
  prependShell: boolean;
}

export interface HealthConfig {
  /** ["NONE"], ["CMD", …] or ["CMD-SHELL", "…"]. */
  test: string[];
  /** Nanoseconds; 0 means the default. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

export interface EnvCommand extends Base { kind: 'env'; env: KeyValuePair[] }
export interface MaintainerCommand extends Base { kind: 'maintainer'; maintainer: string }
export interface LabelCommand extends Base { kind: 'label'; labels: KeyValuePair[] }
export interface AddCommand extends Base, SourcesAndDest {
  kind: 'add';
  chown: string;
  chmod: string;
  link: boolean;
  checksum: string;
  keepGitDir: boolean;
  unpack?: boolean;
  exclude: string[];
}
export interface CopyCommand extends Base, SourcesAndDest {
  kind: 'copy';
  from: string;
  chown: string;
  chmod: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
}
export interface OnbuildCommand extends Base { kind: 'onbuild'; expression: string }
export interface WorkdirCommand extends Base { kind: 'workdir'; path: string }
export interface RunCommand extends Base, ShellDependantCmdLine {
  kind: 'run';
  /** Raw `--mount=…` values (not interpreted: berth runs no BuildKit mounts). */
  mounts: string[];
  network: string;
  security: string;
  flagsUsed: string[];
}
export interface CmdCommand extends Base, ShellDependantCmdLine { kind: 'cmd' }
export interface EntrypointCommand extends Base, ShellDependantCmdLine { kind: 'entrypoint' }
export interface HealthCheckCommand extends Base { kind: 'healthcheck'; health: HealthConfig }
export interface ExposeCommand extends Base { kind: 'expose'; ports: string[] }
export interface UserCommand extends Base { kind: 'user'; user: string }
export interface VolumeCommand extends Base { kind: 'volume'; volumes: string[] }
export interface StopSignalCommand extends Base { kind: 'stopsignal'; signal: string }
export interface ArgCommand extends Base { kind: 'arg'; args: KeyValuePairOptional[] }
export interface ShellCommand extends Base { kind: 'shell'; shell: string[] }

export type Command =
  | EnvCommand
  | MaintainerCommand
  | LabelCommand
  | AddCommand
  | CopyCommand
  | OnbuildCommand
  | WorkdirCommand
  | RunCommand
  | CmdCommand
  | EntrypointCommand
  | HealthCheckCommand
  | ExposeCommand
  | UserCommand
  | VolumeCommand
  | StopSignalCommand
  | ArgCommand
  | ShellCommand;

/** A FROM and the instructions under it. */
export interface Stage {
  kind: 'from';
  /** Lower-cased `AS` name, '' when unnamed. */
  name: string;
  baseName: string;
  platform: string;
  sourceCode: string;
  location: LineRange[];
  comment: string;
  commands: Command[];
}

export type Instruction = Command | Stage;
