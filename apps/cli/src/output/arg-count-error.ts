// A wrong number of arguments, in docker's words (cli/required.go) and with its exit status 1:
//
//   berth: 'berth rmi' requires at least 1 argument
//
//   Usage:  berth rmi [OPTIONS] IMAGE [IMAGE...]
//
//   See 'berth rmi --help' for more information
//
// oclif reports these as RequiredArgsError and UnexpectedArgsError, whose parse input holds the
// command's argument definitions; the rule (exactly, at least, at most) follows from them.

interface ArgDefinition {
  description?: string;
  required?: boolean;
}

interface ParseInput {
  args?: Record<string, ArgDefinition>;
  strict?: boolean;
}

const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;

/** docker's message for `err` when it is oclif's count of arguments; undefined for any other error. */
export function argCountMessage(err: Error, command: string, hasOptions: boolean): string | undefined {
  const missing = err.constructor.name === 'RequiredArgsError';
  if (!missing && err.constructor.name !== 'UnexpectedArgsError') return undefined;
  const input = (err as { parse?: { input?: ParseInput } }).parse?.input;
  if (!input?.args) return undefined;
  const defs = Object.values(input.args);
  const required = defs.filter((a) => a.required).length;
  const variadic = input.strict === false;
  const exact = !variadic && defs.length === required;
  const rule = exact ? plural(required) : missing ? `at least ${plural(required)}` : `at most ${plural(defs.length)}`;
  const words = defs.map((a, i) => {
    const d = a.description ?? 'ARG';
    const word = variadic && i === defs.length - 1 ? `${d} [${d}...]` : d;
    return a.required ? word : `[${word}]`;
  });
  const usage = [command, ...(hasOptions ? ['[OPTIONS]'] : []), ...words].join(' ');
  // docker points with "See" when too few were given to a command that takes more, else "Run".
  const pointer = missing && !exact ? 'See' : 'Run';
  return `berth: '${command}' requires ${rule}\n\nUsage:  ${usage}\n\n${pointer} '${command} --help' for more information\n`;
}
