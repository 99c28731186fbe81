import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { ellipsis, formatList } from '../output/render.js';

export default class History extends BerthCommand {
  static override summary = 'Show the history of an image';
  static override aliases = ['image:history'];
  static override examples = ['<%= config.bin %> history busybox', '<%= config.bin %> history --no-trunc -H=false busybox', '<%= config.bin %> history --format "{{.ID}}: {{.CreatedSince}}" busybox'];
  static override args = { image: Args.string({ description: 'IMAGE', required: true }) };
  static override flags = {
    format: Flags.string({ description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" }),
    human: Flags.boolean({ char: 'H', description: 'Print sizes and dates in human readable format', default: true, allowNo: true }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    quiet: Flags.boolean({ char: 'q', description: 'Only show image IDs' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(History);
    const items = await (await this.images(flags.root)).history(args.image);
    const { truncateId, createdSince, humanSizeWithPrecision, formatGoTimeRFC3339 } = await import('@berth/core');
    const rfc3339 = (sec: number): string => formatGoTimeRFC3339(new Date(sec * 1000));
    const now = new Date();
    const trunc = !flags['no-trunc'];
    const rows = items.map((h) => {
      const createdBy = h.CreatedBy.replace(/\t/g, ' ');
      return {
        Comment: h.Comment,
        CreatedAt: rfc3339(h.Created),
        CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
        CreatedSince: flags.human ? createdSince(new Date(h.Created * 1000), now) : rfc3339(h.Created),
        ID: trunc && h.Id !== '<missing>' ? truncateId(h.Id) : h.Id,
        Size: flags.human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
      };
    });
    process.stdout.write(formatList(rows, {
      defaultFormat: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
      headers: { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' },
      typeName: '*formatter.historyContext',
    }, { format: flags.format, quiet: flags.quiet }));
  }
}
