import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Import extends BerthCommand {
  static override summary = 'Import the contents from a tarball to create a filesystem image';
  static override aliases = ['image:import'];
  static override examples = [
    '<%= config.bin %> import rootfs.tar.gz example/rootfs:1',
    'cat rootfs.tar | <%= config.bin %> import - example/rootfs',
    '<%= config.bin %> import --change "ENV DEBUG=true" -c "CMD [\\"/bin/sh\\"]" -m "from a tarball" rootfs.tar myimage:dev',
    '<%= config.bin %> import https://example.com/rootfs.tar.gz example/remote',
  ];
  static override args = {
    source: Args.string({ description: 'file|URL|-', required: true }),
    repository: Args.string({ description: 'REPOSITORY[:TAG]', required: false }),
  };
  static override flags = {
    change: Flags.string({ char: 'c', description: 'Apply Dockerfile instruction to the created image', multiple: true, multipleNonGreedy: true }),
    message: Flags.string({ char: 'm', description: 'Set commit message for imported image' }),
    platform: Flags.string({ description: 'Set platform if server is multi-platform capable' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Import);
    const { parsePlatform, parseTagReference, emptyContainerConfig } = await import('@berth/core');
    const { applyDockerfileChanges } = await import('@berth/builder-dockerfile');
    // Check the name before opening anything, as docker does.
    if (args.repository) parseTagReference(args.repository);
    const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
    // --change is parsed as a Dockerfile, by the same frontend `berth build` uses.
    const config = applyDockerfileChanges(emptyContainerConfig(), flags.change ?? []);
    const { openImportSource } = await import('../output/import-source.js');
    const { stream, source } = await openImportSource(args.source);
    const service = await this.images(flags.root);
    const signal = await this.interruptSignal();
    const id = await service.importImage(stream, {
      source,
      signal,
      ...(args.repository ? { tag: args.repository } : {}),
      config,
      ...(flags.message ? { message: flags.message } : {}),
      ...(platform ? { platform } : {}),
    });
    this.out(id);
  }
}
