import { Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { confirm } from '../../output/confirm.js';

export default class ContainerPrune extends BerthCommand {
  static override summary = 'Remove all stopped containers';
  static override examples = ['<%= config.bin %> container prune -f'];
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ContainerPrune);
    if (!flags.force && !(await confirm('WARNING! This will remove all stopped containers.'))) return;
    const containers = await this.containers(flags.root);
    const { deleted, reclaimed } = await containers.prune();
    const { deletedContainers, pruneReport } = await import('../../output/prune-report.js');
    process.stdout.write(await pruneReport([deletedContainers(deleted)], reclaimed));
  }
}
