// `berth run [OPTIONS] IMAGE [COMMAND] [ARG...]`: as docker's CLI (interspersed flags off), options
// end at the image, so the command's own flags (`sh -c …`, `ls -l`) are never taken for berth's.

export interface SplitArgv {
  /** berth's options and the image: what oclif parses. */
  options: string[];
  /** The command and its arguments, as given. */
  command: string[];
}

/**
 * `valued` names the flags that take a value (`-e`, `--env`…); every other flag is a boolean.
 * Short booleans may be grouped (`-it`); a valued short flag may carry its value (`-eA=1`).
 */
export function splitAtImage(argv: readonly string[], valued: ReadonlySet<string>): SplitArgv {
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      const image = argv[i + 1];
      return { options: image === undefined ? options : [...options, image], command: argv.slice(i + 2) };
    }
    if (a.startsWith('--')) {
      options.push(a);
      if (!a.includes('=') && valued.has(a) && i + 1 < argv.length) options.push(argv[++i]!);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      options.push(a);
      // The last letter of a group may take the next word (`-it` no, `-de X` yes).
      for (let j = 1; j < a.length; j++) {
        if (valued.has(`-${a[j]}`)) {
          if (j === a.length - 1 && i + 1 < argv.length) options.push(argv[++i]!);
          break;
        }
      }
      continue;
    }
    return { options: [...options, a], command: argv.slice(i + 1) };
  }
  return { options, command: [] };
}
