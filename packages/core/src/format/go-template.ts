// Go's text/template for JS data: the `--format` language of the Docker CLI. Parse once, execute
// per item; errors are BerthError('ERR_TEMPLATE') carrying Go's own message text.
// How JS values stand in for Go values (structs, maps, nil, int vs float64) is set out in go-value.ts.

import { BerthError } from '../errors.js';
import { builtinFuncs, dockerFuncs, type FuncMap } from './template-funcs.js';
import { ExecError, executeTemplate } from './template-exec.js';
import { parseTemplate, type ParsedTemplate } from './template-parser.js';

export interface ExecuteOptions {
  /** Go's Option("missingkey=error"), which Docker's inspect fallback uses. Default: <no value>. */
  missingKey?: 'default' | 'error';
}

export interface ExecuteResult {
  /** What was written, up to the error if there was one (Go leaves partial output in the writer). */
  output: string;
  error?: BerthError;
}

export class GoTemplate {
  private constructor(
    readonly text: string,
    readonly name: string,
    private readonly parsed: ParsedTemplate,
    private readonly funcs: FuncMap,
  ) {}

  /** template.New(name).Funcs(funcs).Parse(text); throws BerthError('ERR_TEMPLATE') on a parse error. */
  static parse(text: string, options: { name?: string; funcs?: FuncMap } = {}): GoTemplate {
    const name = options.name ?? '';
    const funcs = options.funcs ?? {};
    const has = (fn: string): boolean => Object.hasOwn(funcs, fn) || Object.hasOwn(builtinFuncs, fn);
    return new GoTemplate(text, name, parseTemplate(text, name, has), funcs);
  }

  /** Template.Funcs after parsing: replaces functions by name for later executions (a copy). */
  withFuncs(funcs: FuncMap): GoTemplate {
    return new GoTemplate(this.text, this.name, this.parsed, { ...this.funcs, ...funcs });
  }

  /** Executes without throwing; Docker ignores header errors but prints what was written. */
  tryExecute(data: unknown, options: ExecuteOptions = {}): ExecuteResult {
    const ctx = {
      text: this.text,
      name: this.name,
      funcs: this.funcs,
      builtins: builtinFuncs,
      defined: this.parsed.defined,
      missingKeyError: options.missingKey === 'error',
    };
    try {
      return { output: executeTemplate(ctx, this.parsed.root, data) };
    } catch (err) {
      if (err instanceof ExecError) {
        return { output: err.output, error: new BerthError('ERR_TEMPLATE', err.message) };
      }
      if (err instanceof BerthError) return { output: '', error: err };
      throw err;
    }
  }

  /** Template.Execute into a string; throws BerthError('ERR_TEMPLATE') with Go's message. */
  execute(data: unknown, options: ExecuteOptions = {}): string {
    const { output, error } = this.tryExecute(data, options);
    if (error) throw error;
    return output;
  }
}

/** docker/cli templates.Parse: an anonymous template with Docker's functions (json, join, …). */
export function parseDockerTemplate(format: string): GoTemplate {
  return GoTemplate.parse(format, { funcs: dockerFuncs });
}
