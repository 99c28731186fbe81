// `--name=value` flags of one instruction, declared per instruction and then checked:
// port of buildkit frontend/dockerfile/instructions/bflag.go, with its error texts.

type FlagType = 'bool' | 'string' | 'strings';

export class Flag {
  value = '';
  stringValues: string[] = [];
  constructor(
    readonly name: string,
    readonly type: FlagType,
    private readonly used: Set<string>,
  ) {}
  get isUsed(): boolean {
    return this.used.has(this.name);
  }
  get isTrue(): boolean {
    return this.value === 'true';
  }
}

export class BFlags {
  private readonly flags = new Map<string, Flag>();
  private readonly usedNames = new Set<string>();
  private err: string | undefined;

  constructor(readonly args: readonly string[]) {}

  addBool(name: string, def: boolean): Flag {
    const f = this.addFlag(name, 'bool');
    f.value = def ? 'true' : 'false';
    return f;
  }
  addString(name: string, def: string): Flag {
    const f = this.addFlag(name, 'string');
    f.value = def;
    return f;
  }
  addStrings(name: string): Flag {
    return this.addFlag(name, 'strings');
  }

  private addFlag(name: string, type: FlagType): Flag {
    if (this.flags.has(name)) this.err = `Duplicate flag defined: ${name}`;
    const f = new Flag(name, type, this.usedNames);
    this.flags.set(name, f);
    return f;
  }

  /** Names of the flags the instruction used, in order of first use. */
  used(): string[] {
    return [...this.usedNames];
  }

  parse(): void {
    if (this.err) throw new Error(`Error setting up flags: ${this.err}`);
    for (let arg of this.args) {
      if (!arg.startsWith('--')) throw new Error(`Arg should start with -- : ${arg}`);
      if (arg === '--') return;
      arg = arg.slice(2);
      let value = '';
      const index = arg.indexOf('=');
      if (index >= 0) {
        value = arg.slice(index + 1);
        arg = arg.slice(0, index);
      }
      const flag = this.flags.get(arg);
      if (!flag) throw new Error(`Unknown flag: ${arg}`);
      if (this.usedNames.has(arg) && flag.type !== 'strings') throw new Error(`Duplicate flag specified: ${arg}`);
      this.usedNames.add(arg);
      switch (flag.type) {
        case 'bool': {
          // `--flag` alone is true; `--flag=` is a mistake.
          if (index >= 0 && value === '') throw new Error(`Missing a value on flag: ${arg}`);
          const lower = value.toLowerCase();
          if (lower === '') flag.value = 'true';
          else if (lower === 'true' || lower === 'false') flag.value = lower;
          else throw new Error(`Expecting boolean value for flag ${arg}, not: ${value}`);
          break;
        }
        case 'string':
          if (index < 0) throw new Error(`Missing a value on flag: ${arg}`);
          flag.value = value;
          break;
        case 'strings':
          if (index < 0) throw new Error(`Missing a value on flag: ${arg}`);
          flag.stringValues.push(value);
          break;
      }
    }
  }
}
