import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Kill extends BerthCommand {
  static override summary = 'Kill one or more running containers';
  static override aliases = ['container:kill'];
  static override strict = false;
  static override examples = ['<%= config.bin %> kill web', '<%= config.bin %> kill -s HUP web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    signal: Flags.string({ char: 's', description: 'Signal to send to the container', default: 'KILL' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Kill);
    const containers = await this.containers(flags.root);
    await this.eachArgument(argv as string[], async (name) => {
      const rec = await containers.find(name);
      if (!rec.State.Running) {
        const { BerthError } = await import('@berth/core');
        throw new BerthError('ERR_CONTAINER_CONFLICT', `Cannot kill container: ${name}: Container ${rec.Id} is not running`);
      }
      await containers.kill(rec.Id, flags.signal);
      this.out(name);
    });
  }
}
