import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Pause extends BerthCommand {
  static override summary = 'Pause all processes within one or more containers';
  static override aliases = ['container:pause'];
  static override strict = false;
  static override examples = ['<%= config.bin %> pause web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Pause);
    const containers = await this.containers(flags.root);
    await this.eachArgument(argv as string[], async (name) => {
      await containers.pause(name);
      this.out(name);
    });
  }
}
