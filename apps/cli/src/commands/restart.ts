import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { storeRoot } from '../store-root.js';

export default class Restart extends BerthCommand {
  static override summary = 'Restart one or more containers';
  static override aliases = ['container:restart'];
  static override strict = false;
  static override examples = ['<%= config.bin %> restart web', '<%= config.bin %> restart -t 1 web db'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    time: Flags.integer({ char: 't', description: 'Seconds to wait before killing the container', default: 10, aliases: ['timeout'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Restart);
    const containers = await this.containers(flags.root);
    const { startDetached } = await import('../containers/monitor.js');
    // As docker: stopped (a running one as `stop -t` would), then started in the background.
    await this.eachArgument(argv as string[], async (name) => {
      const rec = await containers.find(name);
      await containers.stop(rec.Id, flags.time);
      await startDetached(containers, rec.Id, storeRoot(flags.root));
      this.out(name);
    });
  }
}
