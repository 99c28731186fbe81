import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Wait extends BerthCommand {
  static override summary = 'Block until one or more containers stop, then print their exit codes';
  static override aliases = ['container:wait'];
  static override strict = false;
  static override examples = ['<%= config.bin %> wait job'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Wait);
    const containers = await this.containers(flags.root);
    await this.eachArgument(argv as string[], async (name) => {
      const rec = await containers.find(name);
      const done = await containers.waitStopped(rec.Id, Number.MAX_SAFE_INTEGER);
      this.out(String(done?.State.ExitCode ?? rec.State.ExitCode));
    });
  }
}
