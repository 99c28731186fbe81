import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { splitAtImage } from '../containers/split-argv.js';

const VALUED = new Set(['-e', '--env', '-w', '--workdir', '-u', '--user', '--root']);

export default class Exec extends BerthCommand {
  static override summary = 'Execute a command in a running container';
  static override aliases = ['container:exec'];
  static override strict = false;
  static override usage = 'exec [OPTIONS] CONTAINER COMMAND [ARG...]';
  static override examples = ['<%= config.bin %> exec web cat /etc/hostname', '<%= config.bin %> exec -it -u nobody -w /tmp web sh', '<%= config.bin %> exec -d -e MODE=bg web sh -c "sleep 60"'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    detach: Flags.boolean({ char: 'd', description: 'Detached mode: run command in the background' }),
    env: Flags.string({ char: 'e', description: 'Set environment variables', multiple: true, multipleNonGreedy: true }),
    interactive: Flags.boolean({ char: 'i', description: 'Keep STDIN open even if not attached' }),
    tty: Flags.boolean({ char: 't', description: 'Allocate a pseudo-TTY' }),
    user: Flags.string({ char: 'u', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' }),
    workdir: Flags.string({ char: 'w', description: 'Working directory inside the container' }),
  };

  // As docker exec: its own failures exit 126/127 (the command cannot run) or 1; the command's code otherwise.
  async run(): Promise<void> {
    const { options, command } = splitAtImage(this.argv, VALUED);
    const { args, flags } = await this.parse(Exec, options);
    const { resolveEnvFlags, BerthError } = await import('@berth/core');
    if (command.length === 0) throw new BerthError('ERR_INVALID_ARGUMENT', '"berth exec" requires at least 2 arguments.');
    if (flags.tty && flags.interactive && !flags.detach && !process.stdin.isTTY) throw new BerthError('ERR_INVALID_ARGUMENT', 'the input device is not a TTY');
    const containers = await this.containers(flags.root);
    const interactive = flags.interactive && !flags.detach;
    const { proxySignals } = await import('../containers/signals.js');
    const aborter = new AbortController();
    const stop = proxySignals(() => aborter.abort());
    try {
      process.exitCode = await containers.exec(
        args.container,
        {
          cmd: command,
          env: resolveEnvFlags(flags.env ?? []),
          ...(flags.user !== undefined ? { user: flags.user } : {}),
          ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
          tty: flags.tty,
          detach: flags.detach,
        },
        flags.detach ? {} : { ...(interactive ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr },
        aborter.signal,
      );
    } catch (err) {
      this.exitForStartFailure(err);
    } finally {
      stop();
      if (interactive) process.stdin.destroy();
    }
  }
}
