import { Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { formatList } from '../../output/render.js';

export default class SystemDf extends BerthCommand {
  static override summary = 'Show disk usage: images, containers, local volumes and build cache, as docker system df';
  static override examples = ['<%= config.bin %> system df', '<%= config.bin %> system df --format "{{json .}}"'];
  static override flags = {
    format: Flags.string({ description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SystemDf);
    const images = await this.images(flags.root);
    // A store without container records (a third-party one) still answers for images.
    const containers = await this.containers(flags.root).catch(() => undefined);
    const { systemDiskUsage, diskUsageRows } = await import('@berth/core');
    const rows = diskUsageRows(await systemDiskUsage(images, containers));
    process.stdout.write(formatList(rows, {
      defaultFormat: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
      headers: { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' },
    }, { format: flags.format }));
  }
}
