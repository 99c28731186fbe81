// The parser of Go's text/template (parse/parse.go), ported function by function so that parse
// errors carry Go's exact wording and line numbers ("template: :1: function "foo" not defined").

import { BerthError } from '../errors.js';
import { parseGoNumber } from './template-number.js';
import { Item, type Token } from './template-tokens.js';
import { ParseError, TokenReader } from './template-token-reader.js';
import type { BranchNode, CommandNode, ListNode, Node, PipeNode } from './template-nodes.js';
import { unquote, UnquoteError } from './go-quote.js';

export interface ParsedTemplate {
  root: ListNode;
  /** {{define}}d and {{block}} templates by name. */
  defined: Map<string, ListNode>;
}

const MAX_STACK_DEPTH = 10000;

class Tree extends TokenReader {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private stackDepth = 0;

  constructor(
    text: string,
    parseName: string,
    private readonly hasFunction: (name: string) => boolean,
    private readonly defined: Map<string, ListNode>,
  ) {
    super(text, parseName);
    this.lex.breakOK = !hasFunction('break');
    this.lex.continueOK = !hasFunction('continue');
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Item.EOF) {
      if (this.peek().typ === Item.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.Define) {
          this.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${n.type === 'end' ? '{{end}}' : '{{else}}'}`);
      root.nodes.push(n);
    }
    return root;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.typ !== Item.String && t.typ !== Item.RawString) this.unexpected(t, context);
    const name = this.unquote(t.val);
    this.expect(Item.RightDelim, context);
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.type !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    this.defined.set(name, list);
  }

  private itemList(): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Item.EOF) {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Text:
        return { type: 'text', pos: t.pos, text: t.val };
      case Item.LeftDelim:
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      case Item.Comment:
        return { type: 'comment', pos: t.pos, text: t.val };
      default:
        this.unexpected(t, 'input');
    }
  }

  private action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Block:
        return this.blockControl();
      case Item.Break:
      case Item.Continue:
        return this.loopControl(t);
      case Item.Else:
        return this.elseControl();
      case Item.End:
        return { type: 'end', pos: this.expect(Item.RightDelim, 'end').pos };
      case Item.If:
        return this.branch('if');
      case Item.Range:
        return this.branch('range');
      case Item.Template:
        return this.templateControl();
      case Item.With:
        return this.branch('with');
    }
    this.backup();
    const first = this.peek();
    // Do not pop variables; they persist until "end".
    return { type: 'action', pos: first.pos, line: first.line, pipe: this.pipeline('command', Item.RightDelim) };
  }

  private loopControl(t: Token): Node {
    const word = t.typ === Item.Break ? 'break' : 'continue';
    const next = this.nextNonSpace();
    if (next.typ !== Item.RightDelim) this.unexpected(next, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { type: word, pos: t.pos, line: t.line };
  }

  private pipeline(context: string, end: Item): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: first.pos, line: first.line, isAssign: false, decl: [], cmds: [] };
    // Are there declarations or assignments?
    for (let more = true; more; ) {
      more = false;
      const v = this.peekNonSpace();
      if (v.typ !== Item.Variable) break;
      this.next();
      // Since space is a token, we need 3-token look-ahead here in the worst case: in "$x foo" we
      // need to read "foo" (as opposed to ":=") to know that $x is an argument variable.
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Item.Assign || next.typ === Item.Declare) {
        pipe.isAssign = next.typ === Item.Assign;
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
      } else if (next.typ === Item.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === Item.Variable || p === Item.RightDelim || p === Item.RightParen) {
            more = true; // second initialized variable in a range pipeline
            continue;
          }
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === Item.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Item.Bool:
        case Item.CharConstant:
        case Item.Complex:
        case Item.Dot:
        case Item.Field:
        case Item.Identifier:
        case Item.Number:
        case Item.Nil:
        case Item.RawString:
        case Item.String:
        case Item.Variable:
        case Item.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    // Only the first command of a pipeline can start with a non executable operand.
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private branch(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        // "{{else if …}}" and "{{else with …}}" are "{{else}}{{if …}}…{{end}}{{end}}".
        if ((context === 'if' && this.peek().typ === Item.If) || (context === 'with' && this.peek().typ === Item.With)) {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branch(context)] };
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== 'end') this.errorf('expected end; found {{else}}');
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): Node {
    const p = this.peekNonSpace();
    // "{{else if …" and "{{else with …" leave the keyword pending for branch().
    if (p.typ === Item.If || p.typ === Item.With) return { type: 'else', pos: p.pos, line: p.line };
    const t = this.expect(Item.RightDelim, 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private templateName(t: Token, context: string): string {
    if (t.typ !== Item.String && t.typ !== Item.RawString) this.unexpected(t, context);
    return this.unquote(t.val);
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== Item.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Item.RightDelim);
    }
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    const pipe = this.pipeline(context, Item.RightDelim);
    // A block body is its own template: fresh variables, not inside any range.
    const [savedVars, savedDepth] = [this.vars, this.rangeDepth];
    [this.vars, this.rangeDepth] = [['$'], 0];
    const [list, end] = this.itemList();
    [this.vars, this.rangeDepth] = [savedVars, savedDepth];
    if (end.type !== 'end') this.errorf(`unexpected {{else}} in ${context}`);
    this.defined.set(name, list);
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace(); // skip leading spaces.
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === Item.Space) continue;
      if (t.typ === Item.RightDelim || t.typ === Item.RightParen) this.backup();
      else if (t.typ !== Item.Pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ !== Item.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Item.Field) fields.push(this.next().val.slice(1));
    // Fields and variables absorb the chain; literals can't have fields.
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${JSON.stringify(nodeText(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): Node | null {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.Identifier:
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case Item.Dot:
        return { type: 'dot', pos: t.pos };
      case Item.Nil:
        return { type: 'nil', pos: t.pos };
      case Item.Variable:
        return this.useVar(t.pos, t.val);
      case Item.Field:
        return { type: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case Item.Bool:
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case Item.CharConstant:
      case Item.Complex:
      case Item.Number:
        try {
          return { type: 'number', pos: t.pos, ...parseGoNumber(t.val, t.typ) };
        } catch (err) {
          this.errorf((err as Error).message);
        }
      case Item.LeftParen: {
        if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', Item.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case Item.String:
      case Item.RawString:
        return { type: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t.val) };
    }
    this.backup();
    return null;
  }

  private unquote(literal: string): string {
    try {
      return unquote(literal);
    } catch (err) {
      if (err instanceof UnquoteError) this.errorf(err.message);
      throw err;
    }
  }

  private useVar(pos: number, name: string): Node {
    const ident = name.split('.');
    if (!this.vars.includes(ident[0]!)) this.errorf(`undefined variable ${JSON.stringify(ident[0])}`);
    return { type: 'variable', pos, ident };
  }
}

function nodeText(n: Node): string {
  switch (n.type) {
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

/** Parses a template; errors are BerthError('ERR_TEMPLATE') with Go's message. */
export function parseTemplate(text: string, name: string, hasFunction: (name: string) => boolean): ParsedTemplate {
  const defined = new Map<string, ListNode>();
  try {
    const root = new Tree(text, name, hasFunction, defined).parse();
    return { root, defined };
  } catch (err) {
    if (err instanceof ParseError) throw new BerthError('ERR_TEMPLATE', err.message);
    throw err;
  }
}
