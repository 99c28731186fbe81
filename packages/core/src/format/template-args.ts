// How Go's template executor fits a value or a literal to a function parameter (exec.go validateType
// and evalArg): the errors users see when a template passes the wrong kind of argument.

import { goTypeName } from './go-value.js';
import type { ParamType } from './template-funcs.js';
import { nodeString, type Node } from './template-nodes.js';

/** A parameter type, or 'untyped' where Go evaluates without a target type (a chain's receiver). */
export type ArgType = ParamType | 'untyped';

export type ArgResult = { value: unknown } | { error: string };

/** validateType: is the value assignable to the parameter? Missing values become nil where Go allows. */
export function assignArg(value: unknown, typ: ArgType): ArgResult {
  if (value === undefined) {
    switch (typ) {
      case 'untyped':
      case 'value':
        return { value: undefined };
      case 'any':
        return { value: null };
      case '[]string':
        return { value: [] };
      default:
        return { error: `invalid value; expected ${typ}` };
    }
  }
  if (typ === 'untyped' || typ === 'value' || typ === 'any') return { value };
  // A nil interface{} is not assignable to a concrete type; a non-nil one is unwrapped first.
  const got = value === null ? 'interface {}' : goTypeName(value);
  const ok = typ === 'string' ? typeof value === 'string' : typ === 'int' ? got === 'int' : got === '[]string';
  return ok ? { value } : { error: `wrong type for value; expected ${typ}; got ${got}` };
}

/** The `nil` keyword as an argument. */
export function nilArg(typ: ArgType): ArgResult {
  if (typ === 'any') return { value: null };
  if (typ === 'value' || typ === 'untyped') return { value: undefined };
  if (typ === '[]string') return { value: [] };
  return { error: `cannot assign nil to ${typ}` };
}

/** A literal for a typed parameter; undefined when the parameter takes any value (interface{}). */
export function literalArg(typ: ArgType, n: Node): ArgResult | undefined {
  switch (typ) {
    case 'string':
      return n.type === 'string' ? { value: n.text } : { error: `expected string; found ${nodeString(n)}` };
    case 'int':
      return n.type === 'number' && n.isInt ? { value: n.int } : { error: `expected integer; found ${nodeString(n)}` };
    case '[]string':
      return { error: `can't handle ${nodeString(n)} for arg of type []string` };
    default:
      return undefined;
  }
}

/** The `call` builtin. Data can't hold Go func values here (function properties are methods), so
 * only a function passed through a pipeline or variable can be called. */
export function callBuiltin(callee: string, argv: unknown[]): ArgResult {
  const [fn, ...rest] = argv;
  const target = fn === null ? undefined : fn;
  if (target === undefined) return { error: 'error calling call: call of nil' };
  if (typeof target !== 'function') return { error: `error calling call: non-function ${callee} of type ${goTypeName(target)}` };
  try {
    return { value: (target as (...a: unknown[]) => unknown)(...rest) };
  } catch (err) {
    return { error: `error calling call: ${(err as Error).message}` };
  }
}
