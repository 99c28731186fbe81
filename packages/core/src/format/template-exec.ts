// The executor of Go's text/template (exec.go): walks the parse tree over JS data standing in for
// Go values (see go-value.ts) and reports errors as Go does:
// `template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type …`.

import { sprint } from './go-printf.js';
import { quote } from './go-quote.js';
import { elemTypeName, GoFloat, goTypeName, isTrue, kindOf, structMember } from './go-value.js';
import { assignArg, callBuiltin, literalArg, nilArg, type ArgResult, type ArgType } from './template-args.js';
import type { FuncMap, ParamType, TemplateFunc } from './template-funcs.js';
import { rangeItems } from './template-range.js';
import { errorLocation, nodeString, type BranchNode, type ListNode, type Node, type PipeNode } from './template-nodes.js';

export interface ExecContext {
  text: string;
  name: string;
  funcs: FuncMap;
  builtins: FuncMap;
  defined: ReadonlyMap<string, ListNode>;
  /** Go's Option("missingkey=error"): a missing map key is an error instead of <no value>. */
  missingKeyError: boolean;
}

/** An execution error; `output` is what had been written before it (Go leaves it in the writer). */
export class ExecError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

const MISSING = Symbol('missing'); // "no final value from a previous pipeline stage"
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const MAX_EXEC_DEPTH = 100000;

type Value = unknown;

class State {
  out = '';
  private node: Node | null = null;
  private vars: { name: string; value: Value }[];

  constructor(
    private readonly ctx: ExecContext,
    root: Value,
    private readonly depth = 0,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  private at(node: Node): void {
    this.node = node;
  }

  errorf(message: string): never {
    const name = quote(this.ctx.name);
    if (this.node === null) throw new ExecError(`template: ${this.ctx.name}: ${message}`, this.out);
    const location = errorLocation(this.ctx.text, this.ctx.name, this.node.pos);
    throw new ExecError(`template: ${location}: executing ${name} at <${nodeString(this.node)}>: ${message}`, this.out);
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Value): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  walk(dot: Value, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        // Variables declared by an action persist until the next {{end}} and are not printed.
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'comment':
        return;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node, dot);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(node, dot);
      case 'template':
        return this.walkTemplate(node, dot);
      case 'text':
        this.out += node.text;
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(node: BranchNode, dot: Value): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val === null ? undefined : val).truth) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(r: BranchNode, dot: Value): void {
    this.at(r);
    const outer = this.vars.length;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.vars.length; // before any variables in the body are pushed
      const decl = r.pipe.decl;
      const oneIteration = (index: Value, elem: Value): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (err) {
          if (err !== CONTINUE) throw err;
        } finally {
          this.vars.length = mark;
        }
      };
      const range = rangeItems(val, decl.length);
      if ('error' in range) this.errorf(range.error);
      for (const [index, elem] of range.items) oneIteration(index, elem);
      if (range.items.length === 0 && r.elseList) this.walk(dot, r.elseList);
    } catch (err) {
      if (err !== BREAK) throw err;
    } finally {
      this.vars.length = outer;
    }
  }

  private walkTemplate(t: Extract<Node, { type: 'template' }>, dot: Value): void {
    this.at(t);
    const tmpl = this.ctx.defined.get(t.name);
    if (tmpl === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    // No dynamic scoping: template invocations inherit no variables.
    const inner = new State(this.ctx, newDot, this.depth + 1);
    inner.out = this.out;
    try {
      inner.walk(newDot, tmpl);
    } finally {
      this.out = inner.out;
    }
  }

  evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Value = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // An interface{} holding nil is no value at all once a pipeline stage ends.
      if (value === null) value = undefined;
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: Node[], final: Value): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: Value, cmd: Extract<Node, { type: 'command' }>, final: Value): Value {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${quote(nodeString(first))}`);
  }

  /** A number literal where no type is expected: its syntax decides int or float64. */
  private idealConstant(n: Extract<Node, { type: 'number' }>): Value {
    this.at(n);
    if (n.isComplex) this.errorf(`complex constant ${n.text} is not supported`);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) {
      return Number.isInteger(n.float) ? new GoFloat(n.float) : n.float;
    }
    if (n.isInt) return n.int;
    this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(dot: Value, field: Extract<Node, { type: 'field' }>, args: Node[] | null, final: Value): Value {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: Value, chain: Extract<Node, { type: 'chain' }>, args: Node[] | null, final: Value): Value {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'untyped', chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, v: Extract<Node, { type: 'variable' }>, args: Node[] | null, final: Value): Value {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args ?? [v], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: Value, receiver: Value, node: Node, ident: string[], args: Node[] | null, final: Value): Value {
    // Inside a chain a value keeps its container's element type: `interface {}` for decoded JSON.
    let staticType: string | undefined;
    for (const name of ident.slice(0, -1)) {
      const container = receiver;
      receiver = this.evalField(dot, name, node, null, MISSING, receiver, staticType);
      staticType = kindOf(container) === 'map' ? elemTypeName(container) : undefined;
    }
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, receiver, staticType);
  }

  private evalFunction(dot: Value, node: Extract<Node, { type: 'identifier' }>, cmd: Node, args: Node[] | null, final: Value): Value {
    this.at(node);
    const name = node.ident;
    const own = this.ctx.funcs[name];
    const builtin = this.ctx.builtins[name];
    const f = own ?? builtin;
    if (f === undefined) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, f, own === undefined, cmd, name, args, final);
  }

  /** A field of a struct, an element of a map, or a method (a function property) to call. */
  private evalField(
    dot: Value,
    fieldName: string,
    node: Node,
    args: Node[] | null,
    final: Value,
    receiver: Value,
    staticType?: string,
  ): Value {
    if (receiver === undefined) {
      if (this.ctx.missingKeyError) this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    const typ = staticType ?? goTypeName(receiver);
    if (receiver === null) this.errorf(`nil pointer evaluating ${typ}.${fieldName}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    const kind = kindOf(receiver);
    if (kind === 'struct') {
      const m = structMember(receiver as object, fieldName);
      if (m.found && typeof m.value === 'function') {
        const method = m.value as (...a: unknown[]) => unknown;
        const bound: TemplateFunc = { params: [], variadic: 'any', call: (...a: never[]) => method.apply(receiver, a) };
        return this.evalCall(dot, bound, false, node, fieldName, args, final);
      }
      if (m.found) {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return m.value;
      }
    } else if (kind === 'map') {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const map = receiver as Map<unknown, unknown>;
      if (!map.has(fieldName) && this.ctx.missingKeyError) this.errorf(`map has no entry for key ${quote(fieldName)}`);
      return map.get(fieldName);
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalCall(dot: Value, f: TemplateFunc, isBuiltin: boolean, node: Node, name: string, allArgs: Node[] | null, final: Value): Value {
    const args = allArgs === null ? [] : allArgs.slice(1);
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (f.variadic !== undefined) {
      numFixed = f.params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== f.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${f.params.length} got ${numIn}`);
    }
    // and/or short-circuit: later arguments are not evaluated.
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: Value = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v === null ? undefined : v).truth === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }
    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, f.params[i]!, args[i]!));
    if (f.variadic !== undefined) for (; i < args.length; i++) argv.push(this.evalArg(dot, f.variadic, args[i]!));
    if (final !== MISSING) {
      let t: ParamType = f.params[f.params.length - 1] ?? 'any';
      if (f.variadic !== undefined) t = numIn - 1 < numFixed ? f.params[numIn - 1]! : f.variadic;
      argv.push(this.validateType(final, t));
    }
    if (isBuiltin && name === 'call') {
      // Go names the callee by its source text, or by the piped value when there is no argument.
      const callee = args[0] !== undefined ? nodeString(args[0]) : typeof final === 'string' ? final : `<${goTypeName(final)} Value>`;
      const result = callBuiltin(callee, argv);
      this.at(node);
      return this.checked(result);
    }
    try {
      return (f.call as (...a: unknown[]) => unknown)(...argv);
    } catch (err) {
      this.at(node);
      this.errorf(`error calling ${name}: ${(err as Error).message}`);
    }
  }

  private checked(r: ArgResult): Value {
    if ('error' in r) this.errorf(r.error);
    return r.value;
  }

  private validateType(value: Value, typ: ArgType): Value {
    return this.checked(assignArg(value, typ));
  }

  private evalArg(dot: Value, typ: ArgType, n: Node): Value {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        return this.checked(nilArg(typ));
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    const literal = literalArg(typ, n);
    if (literal !== undefined) return this.checked(literal);
    // An interface{} parameter: the literal's own type decides.
    if (n.type === 'bool') return n.value;
    if (n.type === 'number') return this.idealConstant(n);
    if (n.type === 'string') return n.text;
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(node: Node, v: Value): void {
    this.at(node);
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(node)} of type ${goTypeName(v)}`);
    this.out += v === undefined ? '<no value>' : sprint(v);
  }
}

/** Runs a parsed template over data; throws ExecError carrying Go's message and the partial output. */
export function executeTemplate(ctx: ExecContext, root: ListNode, data: unknown): string {
  const state = new State(ctx, data);
  state.walk(data, root);
  return state.out;
}
