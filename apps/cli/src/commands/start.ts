import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { storeRoot } from '../store-root.js';

export default class Start extends BerthCommand {
  static override summary = 'Start one or more stopped containers';
  static override aliases = ['container:start'];
  static override strict = false;
  static override examples = ['<%= config.bin %> start web', '<%= config.bin %> start -a job'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    attach: Flags.boolean({ char: 'a', description: 'Attach STDOUT/STDERR and forward signals' }),
    interactive: Flags.boolean({ char: 'i', description: "Attach container's STDIN" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Start);
    const names = argv as string[];
    const containers = await this.containers(flags.root);
    const { BerthError } = await import('@berth/core');
    if (flags.attach || flags.interactive) {
      if (names.length > 1) throw new BerthError('ERR_INVALID_ARGUMENT', 'you cannot start and attach multiple containers at once');
      const rec = await containers.find(names[0]!);
      if (rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is already running`);
      await this.runAttachedHere(containers, rec.Id, flags.interactive);
      return;
    }
    const { startDetached } = await import('../containers/monitor.js');
    await this.eachArgument(names, async (name) => {
      const rec = await containers.find(name);
      // Starting a running container is a no-op, as in docker.
      if (!rec.State.Running) await startDetached(containers, rec.Id, storeRoot(flags.root));
      this.out(name);
    });
  }
}
