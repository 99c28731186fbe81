import { Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { formatList } from '../../output/render.js';

export default class SystemDf extends BerthCommand {
  static override summary = "Show berth's disk usage: the logical size of images against the physical size of the store";
  static override examples = ['<%= config.bin %> system df', '<%= config.bin %> system df --format "{{json .}}"'];
  static override flags = {
    format: Flags.string({ description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SystemDf);
    const usage = await (await this.images(flags.root)).diskUsage();
    const { humanSize } = await import('@berth/core');
    const row = {
      Type: 'Images',
      TotalCount: String(usage.images),
      Size: humanSize(usage.logicalSize),
      // Logical counts a shared layer in every image, as `images` does; physical is the blobs on disk.
      PhysicalSize: humanSize(usage.physicalSize),
    };
    process.stdout.write(formatList([row], {
      defaultFormat: 'table {{.Type}}\t{{.TotalCount}}\t{{.Size}}\t{{.PhysicalSize}}',
      headers: { Type: 'TYPE', TotalCount: 'TOTAL', Size: 'LOGICAL SIZE', PhysicalSize: 'PHYSICAL SIZE' },
    }, { format: flags.format }));
  }
}
