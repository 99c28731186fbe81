import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Rmi extends BerthCommand {
  static override summary = 'Remove one or more images';
  static override aliases = ['image:rm', 'image:remove'];
  static override strict = false;
  static override examples = ['<%= config.bin %> rmi busybox:1', '<%= config.bin %> rmi -f fd484f19954f', '<%= config.bin %> rmi --no-prune test1'];
  static override args = { image: Args.string({ description: 'IMAGE', required: true }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Force removal of the image' }),
    'no-prune': Flags.boolean({ description: 'Do not delete untagged parents' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rmi);
    const service = await this.images(flags.root);
    let deleted = false;
    // Each image is removed on its own, as docker does: one failure does not stop the rest.
    await this.eachArgument(argv as string[], async (name) => {
      const records = await service.remove(name, { force: flags.force, noPrune: flags['no-prune'] });
      for (const r of records) this.out('Untagged' in r ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`);
      deleted ||= records.some((r) => 'Deleted' in r);
    });
    if (deleted) await this.pruneRuntimeCache();
  }
}
