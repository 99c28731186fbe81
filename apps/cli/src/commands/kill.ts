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
    let failed = false;
    for (const name of argv as string[]) {
      try {
        const rec = await containers.find(name);
        if (!rec.State.Running) {
          const { BerthError } = await import('@berth/core');
          throw new BerthError('ERR_CONTAINER_CONFLICT', `Cannot kill container: ${name}: Container ${rec.Id} is not running`);
        }
        await containers.kill(rec.Id, flags.signal);
        this.out(name);
      } catch (err) {
        if (!(err as { code?: string }).code?.startsWith('ERR_')) throw err;
        this.errLine(`Error: ${(err as Error).message}`);
        failed = true;
      }
    }
    if (failed) process.exitCode = 1;
  }
}
