// What the classic builder writes as a step's `created_by` (moby builder/dockerfile/dispatchers.go
// commit messages), Go's %q and %v formatting included, so `history` reads as docker's does.
import type { ContainerConfig } from '@berth/core';
import type { Command } from '../instructions/commands.js';
import { formatGoDuration } from '../instructions/go-duration.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export function shellOf(config: ContainerConfig): string[] {
  return config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL;
}

/** Go's %q of a string: JSON quoting is close, but Go escapes non-printables as \x.. and keeps < > &. */
export function goQ(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** %q of a []string: `["a" "b"]`; of a nil slice: `[]`. */
const qList = (l: readonly string[] | null | undefined): string => `[${(l ?? []).map(goQ).join(' ')}]`;

/** %q of an int as a rune (strconv.QuoteRune): HEALTHCHECK's Retries shows as '\x03'. */
function quoteRune(n: number): string {
  if (n >= 0x20 && n < 0x7f && n !== 0x27 && n !== 0x5c) return `'${String.fromCharCode(n)}'`;
  if (n === 0x27) return "'\\''";
  if (n === 0x5c) return "'\\\\'";
  if (n < 0x80) return `'\\x${n.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCodePoint(n)}'`;
}

/** `/bin/sh -c #(nop)  <comment>`: withCmdComment joins "#(nop) " and the comment with a space. */
export function nopComment(config: ContainerConfig, comment: string): string {
  return [...shellOf(config), '#(nop) ', comment].join(' ');
}

/** withCmdCommentString (COPY, ADD, WORKDIR): one space after #(nop). */
export function nopString(config: ContainerConfig, comment: string): string {
  return [...shellOf(config), `#(nop) ${comment}`].join(' ');
}

/** The commit message of a metadata instruction, from the config after it ran. */
export function metadataComment(cmd: Command, config: ContainerConfig): string {
  switch (cmd.kind) {
    case 'env':
      return ['ENV', ...cmd.env.map((kv) => `${kv.key}=${kv.value}`)].join(' ');
    case 'label':
      return ['LABEL', ...cmd.labels.map((kv) => `${kv.key}=${kv.value}`)].join(' ');
    case 'maintainer':
      return `MAINTAINER ${cmd.maintainer}`;
    case 'cmd':
      return `CMD ${qList(config.Cmd)}`;
    case 'entrypoint':
      return `ENTRYPOINT ${qList(config.Entrypoint)}`;
    case 'expose':
      return `EXPOSE ${cmd.ports.join(' ')}`;
    case 'user':
      return `USER ${cmd.user}`;
    case 'volume':
      return `VOLUME [${cmd.volumes.join(' ')}]`;
    case 'stopsignal':
      return `STOPSIGNAL ${cmd.signal}`;
    case 'shell':
      return `SHELL [${cmd.shell.join(' ')}]`;
    case 'onbuild':
      return `ONBUILD ${cmd.expression}`;
    case 'arg':
      return `ARG ${cmd.args.map((a) => (a.value !== undefined ? `${a.key}=${a.value}` : a.key)).join(' ')}`;
    case 'healthcheck': {
      const h = config.Healthcheck ?? {};
      const d = (n?: number): string => goQ(formatGoDuration(n ?? 0));
      return `HEALTHCHECK &{${qList(h.Test)} ${d(h.Interval)} ${d(h.Timeout)} ${d(h.StartPeriod)} ${quoteRune(h.Retries ?? 0)}}`;
    }
    default:
      return cmd.code;
  }
}
