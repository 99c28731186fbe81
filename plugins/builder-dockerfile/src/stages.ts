// Stages of a Dockerfile for one build: the target and the stages it needs, ARG scoping
// (meta ARGs before FROM, re-declared ARGs in a stage, --build-arg, ENV over ARG) and the
// variable substitution each instruction gets, as Docker's builders do.
import { ShellLex, envsFromMap, type EnvGetter } from './shell/lex.js';
import { DockerfileError } from './parser/parse-error.js';
import type { ArgCommand, Command, Stage } from './instructions/commands.js';
import { expandCommand } from './instructions/expand.js';
import type { ParsedDockerfile } from './instructions/parse-instruction.js';

export interface StageOptions {
  /** --build-arg values. */
  buildArgs?: Readonly<Record<string, string>>;
  /** --target: a stage name; the last stage when absent. */
  target?: string;
  /** Automatic platform ARGs (TARGETPLATFORM, BUILDARCH, …), usable in FROM and after `ARG NAME`. */
  builtinArgs?: Readonly<Record<string, string>>;
  escapeToken?: string;
}

/** A stage after its FROM line was expanded. */
export interface ResolvedStage {
  index: number;
  stage: Stage;
  /** The expanded base: an image reference, `scratch`, or a previous stage's name. */
  baseName: string;
  platform: string;
  /** Set when the base is an earlier stage. */
  baseStage?: number;
}

export interface BuildPlan {
  stages: ResolvedStage[];
  /** Index of the stage the build produces. */
  target: number;
  /** Indexes of the stages the target needs (FROM and COPY --from), in build order: what BuildKit builds. */
  needed: number[];
  /** Every stage up to the target: what the classic builder builds (its `Step N/M` count them all). */
  throughTarget: number[];
  /** Meta ARG values after --build-arg (undefined: declared without value). */
  metaArgs: Map<string, string | undefined>;
}

/** Proxy variables are always accepted as build args, declared or not (Docker's builtin allowlist). */
export const BUILTIN_ALLOWED_ARGS = [
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
];

function findStage(stages: readonly ResolvedStage[], name: string, before: number): number | undefined {
  for (let i = 0; i < before; i++) if (stages[i]!.stage.name !== '' && stages[i]!.stage.name === name.toLowerCase()) return i;
  return undefined;
}

/** The stage a COPY --from points at, if it is a stage (by name or by index) and not an image. */
export function copyFromStage(stages: readonly ResolvedStage[], from: string, current: number): number | undefined {
  const byName = findStage(stages, from, current);
  if (byName !== undefined) return byName;
  if (/^\d+$/.test(from)) {
    const i = Number(from);
    if (i >= current) throw new DockerfileError(`invalid from flag value ${from}: refers to current or future build stage`);
    return i;
  }
  return undefined;
}

function metaArgValues(metaArgs: readonly ArgCommand[], opts: StageOptions, lex: ShellLex): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  const visible = (): EnvGetter => {
    const m = new Map<string, string>(Object.entries(opts.builtinArgs ?? {}));
    for (const [k, v] of values) if (v !== undefined) m.set(k, v);
    return envsFromMap(m);
  };
  for (const cmd of metaArgs) {
    for (const arg of cmd.args) {
      const key = lex.processWord(arg.key, visible());
      const provided = opts.buildArgs?.[key];
      if (provided !== undefined) values.set(key, provided);
      else if (arg.value !== undefined) values.set(key, lex.processWord(arg.value, visible()));
      else values.set(key, undefined);
    }
  }
  return values;
}

/** Resolves FROM lines, the target and the stages it needs. */
export function planBuild(df: ParsedDockerfile, opts: StageOptions = {}): BuildPlan {
  if (df.stages.length === 0) throw new DockerfileError('the Dockerfile has no FROM instruction');
  const lex = new ShellLex(opts.escapeToken ?? '\\');
  const metaArgs = metaArgValues(df.metaArgs, opts, lex);
  const fromEnv = new Map<string, string>(Object.entries(opts.builtinArgs ?? {}));
  for (const [k, v] of metaArgs) if (v !== undefined) fromEnv.set(k, v);
  const env = envsFromMap(fromEnv);

  const stages: ResolvedStage[] = [];
  df.stages.forEach((stage, index) => {
    const baseName = lex.processWord(stage.baseName, env);
    if (baseName === '') throw new DockerfileError(`base name (${stage.baseName}) should not be blank`, stage.location);
    const platform = lex.processWord(stage.platform, env);
    const resolved: ResolvedStage = { index, stage, baseName, platform };
    const baseStage = findStage(stages, baseName, index);
    if (baseStage !== undefined) resolved.baseStage = baseStage;
    stages.push(resolved);
  });

  let target = stages.length - 1;
  if (opts.target !== undefined && opts.target !== '') {
    const i = stages.findIndex((s) => s.stage.name === opts.target!.toLowerCase());
    if (i < 0) throw new DockerfileError(`target stage "${opts.target}" could not be found`);
    target = i;
  }

  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const s = stages[i]!;
    if (s.baseStage !== undefined) visit(s.baseStage);
    for (const cmd of s.stage.commands) {
      if (cmd.kind !== 'copy' || cmd.from === '') continue;
      // --from may use ARGs, expanded with the stage's scope; meta args cover the common case here.
      const from = lex.processWord(cmd.from, env);
      const dep = copyFromStage(stages, from, i);
      if (dep !== undefined) visit(dep);
    }
  };
  visit(target);
  const throughTarget = stages.slice(0, target + 1).map((s) => s.index);
  return { stages, target, needed: [...needed].sort((a, b) => a - b), throughTarget, metaArgs };
}

/** A command with the variables it saw, ready to run. */
export interface ExpandedCommand {
  command: Command;
  /** Build args in scope with a value (for RUN's environment and the cache key). */
  args: Map<string, string>;
  /** ENV in effect after the command, KEY=value, in order. */
  env: string[];
}

/**
 * Walks one stage's instructions, substituting variables where Docker does: ARG declares
 * (value from --build-arg, else its default, else the meta ARG of that name), ENV wins over
 * ARG, and `imageEnv` is the base image's Env.
 */
export function expandStage(plan: BuildPlan, index: number, imageEnv: readonly string[], opts: StageOptions = {}): ExpandedCommand[] {
  const lex = new ShellLex(opts.escapeToken ?? '\\');
  const stage = plan.stages[index]!.stage;
  const env = new Map<string, string>();
  for (const e of imageEnv) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  const args = new Map<string, string>();
  const scope = (): EnvGetter => {
    const m = new Map(args);
    for (const [k, v] of env) m.set(k, v);
    return envsFromMap(m);
  };
  const out: ExpandedCommand[] = [];
  for (const raw of stage.commands) {
    const s = scope();
    const cmd = expandCommand(raw, (w) => lex.processWord(w, s), (w) => lex.processWords(w, s));
    if (cmd.kind === 'arg') {
      for (const a of cmd.args) {
        const provided = opts.buildArgs?.[a.key];
        const builtin = opts.builtinArgs?.[a.key];
        const meta = plan.metaArgs.get(a.key);
        const value = provided ?? a.value ?? meta ?? builtin;
        if (value !== undefined) args.set(a.key, value);
      }
    } else if (cmd.kind === 'env') {
      for (const kv of cmd.env) env.set(kv.key, kv.value);
    }
    out.push({ command: cmd, args: new Map(args), env: [...env].map(([k, v]) => `${k}=${v}`) });
  }
  return out;
}

/**
 * --build-arg names no ARG consumed, for the classic builder's
 * `[Warning] One or more build-args [a b] were not consumed`: meta ARGs and the ARGs of every
 * stage up to the target count; the proxy variables never warn. Sorted (dockerd prints Go map order).
 */
export function unconsumedBuildArgs(df: ParsedDockerfile, plan: BuildPlan, buildArgs: Readonly<Record<string, string>>): string[] {
  const consumed = new Set<string>(plan.metaArgs.keys());
  for (const i of plan.throughTarget) {
    for (const cmd of df.stages[i]!.commands) if (cmd.kind === 'arg') for (const a of cmd.args) consumed.add(a.key);
  }
  return Object.keys(buildArgs)
    .filter((k) => !consumed.has(k) && !BUILTIN_ALLOWED_ARGS.includes(k))
    .sort();
}
