// Parse-tree nodes of Go's text/template (parse/node.go) and their String() forms, which Go
// prints inside execution errors: `executing "" at <.Nope>: …`.

export interface NumberValue {
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: number | bigint;
  float: number;
  text: string;
}

export type Node =
  | { type: 'list'; pos: number; nodes: Node[] }
  | { type: 'text'; pos: number; text: string }
  | { type: 'comment'; pos: number; text: string }
  | { type: 'action'; pos: number; line: number; pipe: PipeNode }
  | PipeNode
  | CommandNode
  | { type: 'identifier'; pos: number; ident: string }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'chain'; pos: number; node: Node; field: string[] }
  | { type: 'bool'; pos: number; value: boolean }
  | ({ type: 'number'; pos: number } & NumberValue)
  | { type: 'string'; pos: number; quoted: string; text: string }
  | { type: 'end'; pos: number }
  | { type: 'else'; pos: number; line: number }
  | BranchNode
  | { type: 'break'; pos: number; line: number }
  | { type: 'continue'; pos: number; line: number }
  | { type: 'template'; pos: number; line: number; name: string; pipe: PipeNode | null };

export interface PipeNode {
  type: 'pipe';
  pos: number;
  line: number;
  isAssign: boolean;
  decl: { type: 'variable'; pos: number; ident: string[] }[];
  cmds: CommandNode[];
}

export interface CommandNode {
  type: 'command';
  pos: number;
  args: Node[];
}

export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}

export type ListNode = Extract<Node, { type: 'list' }>;

function argString(n: Node): string {
  return n.type === 'pipe' ? `(${nodeString(n)})` : nodeString(n);
}

/** Node.String(): the template source Go reconstructs for error contexts. */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'text':
      return n.text;
    case 'comment':
      return `{{${n.text}}}`;
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map(argString).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'chain':
      return argString(n.node) + n.field.map((f) => '.' + f).join('');
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
    case 'if':
    case 'range':
    case 'with': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'template':
      return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
  }
}

/** Tree.ErrorContext: "name:line:col" with col counted in bytes from the line start, as Go does. */
export function errorLocation(text: string, parseName: string, pos: number): string {
  const before = text.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (const c of before) if (c === '\n') line++;
  const col = Buffer.byteLength(before.slice(lineStart), 'utf8');
  return `${parseName}:${line}:${col}`;
}
