import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Export extends BerthCommand {
  static override summary = "Export a container's filesystem as a tar archive";
  static override aliases = ['container:export'];
  static override examples = ['<%= config.bin %> export web > web.tar', '<%= config.bin %> export -o web.tar web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write to a file, instead of STDOUT' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Export);
    const { BerthError } = await import('@berth/core');
    if (!flags.output && process.stdout.isTTY) {
      throw new BerthError('ERR_INVALID_ARGUMENT', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const containers = await this.containers(flags.root);
    if (!flags.output) return containers.export(args.container, process.stdout);
    const { writeAtomically } = await import('../output/atomic-output.js');
    await writeAtomically(flags.output, 'export container', (out) => containers.export(args.container, out));
  }
}
