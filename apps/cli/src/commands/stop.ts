import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Stop extends BerthCommand {
  static override summary = 'Stop one or more running containers';
  static override aliases = ['container:stop'];
  static override strict = false;
  static override examples = ['<%= config.bin %> stop web', '<%= config.bin %> stop -t 1 web db'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    time: Flags.integer({ char: 't', description: 'Seconds to wait before killing the container', default: 10, aliases: ['timeout'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Stop);
    const containers = await this.containers(flags.root);
    // Each container on its own, as docker does: the name is echoed as given.
    await this.eachArgument(argv as string[], async (name) => {
      await containers.stop(name, flags.time);
      this.out(name);
    });
  }
}
