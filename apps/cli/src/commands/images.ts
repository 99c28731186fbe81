import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { formatList } from '../output/render.js';

export default class Images extends BerthCommand {
  static override summary = 'List images';
  static override aliases = ['image:ls', 'image:list'];
  static override examples = [
    '<%= config.bin %> images',
    '<%= config.bin %> images busybox',
    '<%= config.bin %> images --filter dangling=true -q',
    '<%= config.bin %> images --format "{{.Repository}}:{{.Tag}}"',
    '<%= config.bin %> images --format "table {{.ID}}\\t{{.Size}}"',
  ];
  static override args = { repository: Args.string({ description: 'REPOSITORY[:TAG]', required: false }) };
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all images (default hides intermediate images)' }),
    digests: Flags.boolean({ description: 'Show digests' }),
    filter: Flags.string({ char: 'f', description: 'Filter output based on conditions provided (dangling, label, before, since, reference, until)', multiple: true, multipleNonGreedy: true }),
    format: Flags.string({ description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    quiet: Flags.boolean({ char: 'q', description: 'Only show image IDs' }),
    json: Flags.boolean({ description: 'Print the images as a JSON array (the Engine API ImageSummary shape)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Images);
    const service = await this.images(flags.root);
    const summaries = await service.list({ all: flags.all, filters: flags.filter ?? [], ...(args.repository ? { reference: args.repository } : {}) });
    if (flags.json) return this.out(JSON.stringify(summaries, null, 2));
    const { imageRows, truncateId, createdSince, humanSize, humanSizeWithPrecision, formatGoTime } = await import('@berth/core');
    const now = new Date();
    // Fields are methods so a template pays only for what it shows (1,000 rows add up).
    const sizes = new Map<number, string>();
    const sizeOf = (n: number): string => sizes.get(n) ?? sizes.set(n, humanSizeWithPrecision(n, 3)).get(n)!;
    // docker's needDigest: a format naming {{.Digest}} gets the digests as --digests would.
    const rows = imageRows(summaries, flags.digests || (flags.format ?? '').includes('{{.Digest}}')).map((r) => {
      const size = (): string => sizeOf(r.image.Size);
      return {
        Containers: 'N/A',
        CreatedAt: () => formatGoTime(new Date(r.image.Created * 1000)),
        CreatedSince: () => createdSince(new Date(r.image.Created * 1000), now),
        Digest: r.digest,
        ID: flags['no-trunc'] ? r.image.Id : truncateId(r.image.Id),
        Repository: r.repository,
        SharedSize: 'N/A',
        Size: size,
        Tag: r.tag,
        UniqueSize: 'N/A',
        // Docker renders VirtualSize with go-units' default precision (4), Size with 3.
        VirtualSize: () => humanSize(r.image.Size),
      };
    });
    const table = flags.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
    process.stdout.write(formatList(rows, {
      defaultFormat: table,
      headers: { Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', ID: 'IMAGE ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'VIRTUAL SIZE' },
      typeName: '*formatter.imageContext',
    }, { format: flags.format, quiet: flags.quiet }));
  }
}
