import { Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { confirm } from '../../output/confirm.js';

export default class SystemPrune extends BerthCommand {
  static override summary = 'Remove unused data: stopped containers, and dangling (or, with -a, unused) images';
  static override examples = ['<%= config.bin %> system prune -f', '<%= config.bin %> system prune -a -f --filter "until=24h"'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused images not just dangling ones' }),
    filter: Flags.string({ description: 'Provide filter values (e.g. "label=<key>=<value>")', multiple: true, multipleNonGreedy: true }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  // docker system prune: containers first (so their images become unused), then images. berth has
  // no networks, volumes or BuildKit cache; its build cache is images, which the image prune covers.
  async run(): Promise<void> {
    const { flags } = await this.parse(SystemPrune);
    const filters = flags.filter ?? [];
    const warnings = [
      'all stopped containers',
      'all networks not used by at least one container',
      flags.all ? 'all images without at least one container associated to them' : 'all dangling images',
      flags.all ? 'all build cache' : 'unused build cache',
    ];
    // docker's confirmation template, line for line.
    const filterLines = filters.length > 0 ? `\n  Items to be pruned will be filtered with:\n${filters.map((f) => `  - ${f}\n`).join('')}` : '';
    if (!flags.force && !(await confirm(`WARNING! This will remove:\n${warnings.map((w) => `  - ${w}\n`).join('')}${filterLines}`))) return;
    const containers = await this.containers(flags.root);
    const { deletedContainers, deletedImages, pruneReport } = await import('../../output/prune-report.js');
    const pruned = await containers.prune();
    const images = await containers.images.prune({ all: flags.all, filters });
    if (images.deleted.some((r) => 'Deleted' in r)) await this.pruneRuntimeCache();
    process.stdout.write(await pruneReport([deletedContainers(pruned.deleted), deletedImages(images.deleted)], pruned.reclaimed + images.reclaimed));
  }
}
