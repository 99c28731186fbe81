// Syntax-tree nodes to typed instructions, and a Dockerfile to stages and meta ARGs: port of
// buildkit frontend/dockerfile/instructions/parse.go, with its error messages.
import { goQuote } from '@berth/core';
import { chompHeredocContent, parseHeredoc } from '../parser/parser.js';
import type { Heredoc, Node } from '../parser/node.js';
import { DockerfileError, type LineRange } from '../parser/parse-error.js';
import { BFlags } from './bflags.js';
import type {
  AddCommand,
  ArgCommand,
  Command,
  CopyCommand,
  HealthCheckCommand,
  Instruction,
  KeyValuePair,
  KeyValuePairOptional,
  ShellDependantCmdLine,
  SourcesAndDest,
  Stage,
} from './commands.js';
import { formatGoDuration, parseGoDuration } from './go-duration.js';

interface ParseRequest {
  command: string;
  args: string[];
  heredocs: Heredoc[];
  attributes: Record<string, boolean>;
  flags: BFlags;
  original: string;
  location: LineRange[];
  comments: string[];
}

/** The arguments of a node; an ONBUILD's nested instruction comes out as its name and arguments. */
function nodeArgs(node: Node): string[] {
  const out: string[] = [];
  for (let arg = node.next; arg; arg = arg.next) {
    if (arg.children.length === 0) out.push(arg.value);
    else if (arg.children.length === 1) {
      const sub = arg.children[0]!;
      out.push(sub.value, ...nodeArgs(sub));
    }
  }
  return out;
}

const MINIMUM_DURATION = 1e6; // container.MinimumDuration: 1ms

const errAtLeastOneArgument = (c: string) => new Error(`${c} requires at least one argument`);
const errExactlyOneArgument = (c: string) => new Error(`${c} requires exactly one argument`);
const errNoDestinationArgument = (c: string) =>
  new Error(`${c} requires at least two arguments, but only one was provided. Destination could not be determined`);
const errBlankCommandNames = (c: string) => new Error(`${c} names can not be blank`);

function errNotJSON(command: string, original: string): Error {
  // A hint for Windows paths with unescaped backslashes in an almost-JSON array.
  let extra = '';
  const lower = original.toLowerCase();
  if (/"[a-z]:\\.*/.test(lower) && !lower.includes('\\\\') && lower.includes('[') && lower.includes(']')) {
    extra = `. It looks like '${lower}' includes a file path without an escaped back-slash. JSON requires back-slashes to be escaped such as ["c:\\\\path\\\\to\\\\file.exe", "/parameter"]`;
  }
  return new Error(`${command} requires the arguments to be in JSON form${extra}`);
}

function base(req: ParseRequest) {
  return { name: req.command.toLowerCase(), code: req.original.trim(), location: req.location };
}

/** Comment lines like `# NAME description` document the stage or ARG called NAME. */
function getComment(comments: string[], name: string): string {
  if (name === '') return '';
  const line = comments.find((c) => c.startsWith(name + ' '));
  return line === undefined ? '' : line.slice(name.length + 1);
}

function parseKvps(args: string[], cmd: string): KeyValuePair[] {
  if (args.length === 0) throw errAtLeastOneArgument(cmd);
  // The parser emits key, value, separator triples.
  if (args.length % 3 !== 0) throw new Error(`Bad input to ${cmd}, too many arguments`);
  const out: KeyValuePair[] = [];
  for (let j = 0; j < args.length; j += 3) {
    if (args[j]!.length === 0) throw errBlankCommandNames(cmd);
    out.push({ key: args[j]!, value: args[j + 1]! });
  }
  return out;
}

/** A JSON (exec) form keeps its words; a shell form is one string. */
function handleJSONArgs(args: string[], attributes: Record<string, boolean>): string[] {
  if (args.length === 0) return [];
  if (attributes['json']) return args;
  return [args.join(' ')];
}

function parseSourcesAndDest(req: ParseRequest, command: string): SourcesAndDest {
  const srcs = req.args.slice(0, -1);
  const dest = req.args[req.args.length - 1]!;
  if (safeHeredoc(dest)) throw new Error(`${command} cannot accept a heredoc as a destination`);
  const byName = new Map(req.heredocs.map((h) => [h.name, h]));
  const sourcePaths: string[] = [];
  const sourceContents: SourcesAndDest['sourceContents'] = [];
  for (const src of srcs) {
    const doc = safeHeredoc(src);
    if (doc) {
      let data = byName.get(doc.name)?.content ?? '';
      if (doc.chomp) data = chompHeredocContent(data);
      sourceContents.push({ path: doc.name, data, expand: doc.expand });
    } else {
      sourcePaths.push(src);
    }
  }
  return { sourcePaths, sourceContents, destPath: dest };
}

/** MustParseHeredoc: errors count as "not a heredoc". */
function safeHeredoc(word: string) {
  try {
    return parseHeredoc(word);
  } catch {
    return undefined;
  }
}

function shellDependent(req: ParseRequest, emptyAsNil: boolean): ShellDependantCmdLine {
  const files = req.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }));
  const cmdLine = handleJSONArgs(req.args, req.attributes);
  void emptyAsNil; // an empty ENTRYPOINT [] is nil in Go; an empty list here
  return { cmdLine, files, prependShell: !req.attributes['json'] };
}

function parseOptInterval(value: string, name: string): number {
  if (value === '') return 0;
  const d = parseGoDuration(value);
  if (d === 0) return 0;
  if (d < MINIMUM_DURATION) throw new Error(`Interval ${goQuote(name)} cannot be less than ${formatGoDuration(MINIMUM_DURATION)}`);
  return d;
}

function parseHealthcheck(req: ParseRequest): HealthCheckCommand {
  if (req.args.length === 0) throw errAtLeastOneArgument('HEALTHCHECK');
  let typ = req.args[0]!.toUpperCase();
  const args = req.args.slice(1);
  const health = { test: [] as string[], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (typ === 'NONE') {
    if (args.length !== 0) throw new Error('HEALTHCHECK NONE takes no arguments');
    health.test = [typ];
    return { kind: 'healthcheck', ...base(req), health };
  }
  const flInterval = req.flags.addString('interval', '');
  const flTimeout = req.flags.addString('timeout', '');
  const flStartPeriod = req.flags.addString('start-period', '');
  const flStartInterval = req.flags.addString('start-interval', '');
  const flRetries = req.flags.addString('retries', '');
  req.flags.parse();
  if (typ !== 'CMD') throw new Error(`Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`);
  const cmdSlice = handleJSONArgs(args, req.attributes);
  if (cmdSlice.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
  if (!req.attributes['json']) typ = 'CMD-SHELL';
  health.test = [typ, ...cmdSlice];
  health.interval = parseOptInterval(flInterval.value, 'interval');
  health.timeout = parseOptInterval(flTimeout.value, 'timeout');
  health.startPeriod = parseOptInterval(flStartPeriod.value, 'start-period');
  health.startInterval = parseOptInterval(flStartInterval.value, 'start-interval');
  if (flRetries.value !== '') {
    if (!/^[+-]?\d+$/.test(flRetries.value)) {
      throw new Error(`strconv.ParseInt: parsing ${goQuote(flRetries.value)}: invalid syntax`);
    }
    const retries = Number(flRetries.value);
    if (retries < 0) throw new Error(`--retries cannot be negative (${retries})`);
    health.retries = retries;
  }
  return { kind: 'healthcheck', ...base(req), health };
}

function parseAdd(req: ParseRequest): AddCommand {
  if (req.args.length < 2) throw errNoDestinationArgument('ADD');
  const chown = req.flags.addString('chown', '');
  const chmod = req.flags.addString('chmod', '');
  const link = req.flags.addBool('link', false);
  const checksum = req.flags.addString('checksum', '');
  const keepGitDir = req.flags.addBool('keep-git-dir', false);
  const unpack = req.flags.addBool('unpack', false);
  const exclude = req.flags.addStrings('exclude');
  req.flags.parse();
  return {
    kind: 'add',
    ...base(req),
    ...parseSourcesAndDest(req, 'ADD'),
    chown: chown.value,
    chmod: chmod.value,
    link: link.isTrue,
    checksum: checksum.value,
    keepGitDir: keepGitDir.isTrue,
    ...(unpack.isUsed ? { unpack: unpack.isTrue } : {}),
    exclude: exclude.stringValues,
  };
}

function parseCopy(req: ParseRequest): CopyCommand {
  if (req.args.length < 2) throw errNoDestinationArgument('COPY');
  const chown = req.flags.addString('chown', '');
  const from = req.flags.addString('from', '');
  const chmod = req.flags.addString('chmod', '');
  const link = req.flags.addBool('link', false);
  const parents = req.flags.addBool('parents', false);
  const exclude = req.flags.addStrings('exclude');
  req.flags.parse();
  return {
    kind: 'copy',
    ...base(req),
    ...parseSourcesAndDest(req, 'COPY'),
    from: from.value,
    chown: chown.value,
    chmod: chmod.value,
    link: link.isTrue,
    parents: parents.isTrue,
    exclude: exclude.stringValues,
  };
}

function parseBuildStageName(args: string[]): string {
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
    const name = args[2]!.toLowerCase();
    if (!/^[a-z][a-z0-9-_.]*$/.test(name)) {
      throw new Error(`invalid name for build stage: ${goQuote(args[2]!)}, name can't start with a number or contain symbols`);
    }
    return name;
  }
  if (args.length !== 1) throw new Error('FROM requires either one or three arguments');
  return '';
}

function parseFrom(req: ParseRequest): Stage {
  const name = parseBuildStageName(req.args);
  const platform = req.flags.addString('platform', '');
  req.flags.parse();
  return {
    kind: 'from',
    name,
    baseName: req.args[0]!,
    platform: platform.value,
    sourceCode: req.original.trim(),
    location: req.location,
    comment: getComment(req.comments, name),
    commands: [],
  };
}

function parseArg(req: ParseRequest): ArgCommand {
  if (req.args.length < 1) throw errAtLeastOneArgument('ARG');
  const args: KeyValuePairOptional[] = req.args.map((arg) => {
    // ARG may declare a name without a value, unlike ENV.
    const eq = arg.indexOf('=');
    if (eq < 0) return { key: arg, comment: getComment(req.comments, arg) };
    if (eq === 0) throw errBlankCommandNames('ARG');
    const key = arg.slice(0, eq);
    return { key, value: arg.slice(eq + 1), comment: getComment(req.comments, key) };
  });
  return { kind: 'arg', ...base(req), args };
}

function dispatch(req: ParseRequest): Instruction {
  const { args, flags } = req;
  switch (req.command.toLowerCase()) {
    case 'env':
      flags.parse();
      return { kind: 'env', ...base(req), env: parseKvps(args, 'ENV') };
    case 'maintainer':
      if (args.length !== 1) throw errExactlyOneArgument('MAINTAINER');
      flags.parse();
      return { kind: 'maintainer', ...base(req), maintainer: args[0]! };
    case 'label':
      flags.parse();
      return { kind: 'label', ...base(req), labels: parseKvps(args, 'LABEL') };
    case 'add':
      return parseAdd(req);
    case 'copy':
      return parseCopy(req);
    case 'from':
      return parseFrom(req);
    case 'onbuild': {
      if (args.length === 0) throw errAtLeastOneArgument('ONBUILD');
      flags.parse();
      const trigger = args[0]!.trim().toUpperCase();
      if (trigger === 'ONBUILD') throw new Error('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (trigger === 'MAINTAINER' || trigger === 'FROM') throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
      let expression = req.original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
      for (const h of req.heredocs) expression += '\n' + h.content + h.name;
      return { kind: 'onbuild', ...base(req), expression };
    }
    case 'workdir':
      if (args.length !== 1) throw errExactlyOneArgument('WORKDIR');
      flags.parse();
      return { kind: 'workdir', ...base(req), path: args[0]! };
    case 'run': {
      const mount = flags.addStrings('mount');
      const network = flags.addString('network', '');
      const security = flags.addString('security', '');
      flags.parse();
      return {
        kind: 'run',
        ...base(req),
        ...shellDependent(req, false),
        mounts: mount.stringValues,
        network: network.value,
        security: security.value,
        flagsUsed: flags.used(),
      };
    }
    case 'cmd':
      flags.parse();
      return { kind: 'cmd', ...base(req), ...shellDependent(req, false) };
    case 'entrypoint':
      flags.parse();
      return { kind: 'entrypoint', ...base(req), ...shellDependent(req, true) };
    case 'healthcheck':
      return parseHealthcheck(req);
    case 'expose':
      if (args.length === 0) throw errAtLeastOneArgument('EXPOSE');
      flags.parse();
      return { kind: 'expose', ...base(req), ports: [...args].sort() };
    case 'user':
      if (args.length !== 1) throw errExactlyOneArgument('USER');
      flags.parse();
      return { kind: 'user', ...base(req), user: args[0]! };
    case 'volume': {
      if (args.length === 0) throw errAtLeastOneArgument('VOLUME');
      flags.parse();
      const volumes = args.map((v) => {
        const t = v.trim();
        if (t === '') throw new Error('VOLUME specified can not be an empty string');
        return t;
      });
      return { kind: 'volume', ...base(req), volumes };
    }
    case 'stopsignal':
      if (args.length !== 1) throw errExactlyOneArgument('STOPSIGNAL');
      return { kind: 'stopsignal', ...base(req), signal: args[0]! };
    case 'arg':
      return parseArg(req);
    case 'shell': {
      flags.parse();
      const shell = handleJSONArgs(args, req.attributes);
      if (shell.length === 0) throw errAtLeastOneArgument('SHELL');
      if (!req.attributes['json']) throw errNotJSON('SHELL', req.original);
      return { kind: 'shell', ...base(req), shell };
    }
    default:
      throw new Error(`unknown instruction: ${req.command}`);
  }
}

/** One instruction node to a typed instruction (a Stage for FROM). */
export function parseInstruction(node: Node): Instruction {
  const location = [{ start: node.startLine, end: node.endLine }];
  const req: ParseRequest = {
    command: node.value,
    args: nodeArgs(node),
    heredocs: node.heredocs,
    attributes: node.attributes,
    flags: new BFlags(node.flags),
    original: node.original,
    location,
    comments: node.prevComment,
  };
  try {
    return dispatch(req);
  } catch (err) {
    if (err instanceof DockerfileError) throw err;
    throw new DockerfileError((err as Error).message, location, { cause: err });
  }
}

export interface ParsedDockerfile {
  stages: Stage[];
  /** ARGs before the first FROM. */
  metaArgs: ArgCommand[];
}

/** The root of a parse to stages (instructions.Parse). */
export function parseStages(ast: Node): ParsedDockerfile {
  const stages: Stage[] = [];
  const metaArgs: ArgCommand[] = [];
  for (const n of ast.children) {
    let ins: Instruction;
    try {
      ins = parseInstruction(n);
    } catch (err) {
      const e = err as DockerfileError;
      throw new DockerfileError(`dockerfile parse error on line ${n.startLine}: ${e.message}`, e.location, { cause: err });
    }
    if (stages.length === 0 && ins.kind === 'arg') {
      metaArgs.push(ins);
      continue;
    }
    if (ins.kind === 'from') {
      stages.push(ins);
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) throw new DockerfileError('no build stage in current context', [{ start: n.startLine, end: n.endLine }]);
    current.commands.push(ins as Command);
  }
  return { stages, metaArgs };
}
