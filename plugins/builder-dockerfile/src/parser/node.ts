// The Dockerfile syntax tree as buildkit builds it (parser.Node): one child per instruction,
// its arguments as a `next` chain, and the s-expression dump the parser corpus compares.
import { goQuote } from '@berth/core';

/** A heredoc attached to RUN/COPY/ADD (`<<EOF`, `<<-EOF`, `<<"EOF"`). */
export interface Heredoc {
  name: string;
  fileDescriptor: number;
  /** false when any part of the delimiter was quoted: the content is taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are removed from the content and the delimiter line. */
  chomp: boolean;
  content: string;
}

export interface Node {
  /** The instruction as written (case kept) for a top node, an argument otherwise. */
  value: string;
  next?: Node;
  children: Node[];
  heredocs: Heredoc[];
  /** `json: true` when the arguments came from a JSON array (exec form). */
  attributes: Record<string, boolean>;
  /** The whole logical line, continuations joined. */
  original: string;
  /** `--name=value` flags before the arguments, only on a top node. */
  flags: string[];
  startLine: number;
  endLine: number;
  prevComment: string[];
}

export function newNode(init: Partial<Node> = {}): Node {
  return {
    value: '',
    children: [],
    heredocs: [],
    attributes: {},
    original: '',
    flags: [],
    startLine: 0,
    endLine: 0,
    prevComment: [],
    ...init,
  };
}

/** Go's fmt %q of a []string: `["a" "b"]`. */
function quoteSlice(items: readonly string[]): string {
  return '[' + items.map(goQuote).join(' ') + ']';
}

/** (*Node).Dump: lower-cased instruction, flags, then each argument Go-quoted. */
export function dumpNode(node: Node): string {
  let str = node.value.toLowerCase();
  if (node.flags.length > 0) str += ' ' + quoteSlice(node.flags);
  for (const child of node.children) str += '(' + dumpNode(child) + ')\n';
  for (let n = node.next; n; n = n.next) {
    str += ' ' + (n.children.length > 0 ? dumpNode(n) : goQuote(n.value));
  }
  return str.trim();
}

/** The arguments of an instruction node as a list (the `next` chain). */
export function nodeArgs(node: Node): string[] {
  const out: string[] = [];
  for (let n = node.next; n; n = n.next) out.push(n.value);
  return out;
}
