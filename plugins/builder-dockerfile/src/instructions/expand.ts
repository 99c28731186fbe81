// Which instruction arguments take variable substitution, and how (buildkit's Expand methods
// in commands.go plus moby's dispatchExpose): RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
// MAINTAINER and ONBUILD are left as written.
import type { Command } from './commands.js';

/** Expands one word to one word (quotes removed, variables substituted). */
export type WordExpander = (word: string) => string;
/** Expands one word to several (EXPOSE $PORTS with PORTS="80 443"). */
export type WordsExpander = (word: string) => string[];

export function expandCommand(cmd: Command, expand: WordExpander, expandWords: WordsExpander): Command {
  const kvs = (list: { key: string; value: string }[]) => list.map((kv) => ({ key: expand(kv.key), value: expand(kv.value) }));
  switch (cmd.kind) {
    case 'env':
      return { ...cmd, env: kvs(cmd.env) };
    case 'label':
      return { ...cmd, labels: kvs(cmd.labels) };
    case 'add':
      return {
        ...cmd,
        chown: expand(cmd.chown),
        chmod: expand(cmd.chmod),
        checksum: expand(cmd.checksum),
        sourcePaths: cmd.sourcePaths.map(expand),
        destPath: expand(cmd.destPath),
      };
    case 'copy':
      return {
        ...cmd,
        chown: expand(cmd.chown),
        chmod: expand(cmd.chmod),
        from: expand(cmd.from),
        sourcePaths: cmd.sourcePaths.map(expand),
        destPath: expand(cmd.destPath),
      };
    case 'workdir':
      return { ...cmd, path: expand(cmd.path) };
    case 'user':
      return { ...cmd, user: expand(cmd.user) };
    case 'volume':
      return { ...cmd, volumes: cmd.volumes.map(expand) };
    case 'stopsignal':
      return { ...cmd, signal: expand(cmd.signal) };
    case 'expose':
      // The one instruction where one word may become several.
      return { ...cmd, ports: cmd.ports.flatMap(expandWords) };
    case 'arg':
      return { ...cmd, args: cmd.args.map((a) => ({ ...a, key: expand(a.key), ...(a.value !== undefined ? { value: expand(a.value) } : {}) })) };
    default:
      return cmd;
  }
}
