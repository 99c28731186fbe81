import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Unpause extends BerthCommand {
  static override summary = 'Unpause all processes within one or more containers';
  static override aliases = ['container:unpause'];
  static override strict = false;
  static override examples = ['<%= config.bin %> unpause web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Unpause);
    const containers = await this.containers(flags.root);
    await this.eachArgument(argv as string[], async (name) => {
      await containers.unpause(name);
      this.out(name);
    });
  }
}
