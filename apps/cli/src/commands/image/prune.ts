import { Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { confirm } from '../../output/confirm.js';

export default class ImagePrune extends BerthCommand {
  static override summary = 'Remove unused images';
  static override examples = ['<%= config.bin %> image prune -f', '<%= config.bin %> image prune -a --filter "until=24h"', '<%= config.bin %> image prune -a -f --filter "label!=keep"'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused images, not just dangling ones' }),
    filter: Flags.string({ description: 'Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")', multiple: true, multipleNonGreedy: true }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ImagePrune);
    const warning = flags.all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!flags.force && !(await confirm(warning))) return;
    // `label!=x` splits at the first '=' into key `label!`, as Docker's filter parser does.
    const result = await (await this.images(flags.root)).prune({ all: flags.all, filters: flags.filter ?? [] });
    if (result.deleted.some((r) => 'Deleted' in r)) await this.pruneRuntimeCache();
    const { deletedImages, pruneReport } = await import('../../output/prune-report.js');
    process.stdout.write(await pruneReport([deletedImages(result.deleted)], result.reclaimed));
  }
}
