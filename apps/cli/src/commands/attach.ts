import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Attach extends BerthCommand {
  static override summary = "Attach local standard output and error streams to a running container";
  static override aliases = ['container:attach'];
  static override examples = ['<%= config.bin %> attach web', '<%= config.bin %> attach --sig-proxy=false web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    'no-stdin': Flags.boolean({ description: 'Do not attach STDIN' }),
    'sig-proxy': Flags.boolean({ description: 'Proxy all received signals to the process', default: true, allowNo: true }),
  };

  // As docker attach: the container's output until it stops, then its exit code as berth's. The
  // process runs under another berth process (`run -d`), so its stdin is that process's: not attached.
  async run(): Promise<void> {
    const { args, flags } = await this.parse(Attach);
    const containers = await this.containers(flags.root);
    const rec = await containers.find(args.container);
    const { proxySignals } = await import('../containers/signals.js');
    const stop = flags['sig-proxy'] ? proxySignals((sig) => void containers.kill(rec.Id, sig).catch(() => undefined)) : () => {};
    try {
      const ended = await containers.followOutput(rec.Id, { stdout: process.stdout, stderr: process.stderr });
      process.exitCode = ended.State.Running ? 0 : ended.State.ExitCode;
    } finally {
      stop();
    }
  }
}
