import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

const LETTER = { modified: 'C', added: 'A', deleted: 'D' } as const;

export default class Diff extends BerthCommand {
  static override summary = "Inspect changes to files or directories on a container's filesystem";
  static override aliases = ['container:diff'];
  static override examples = ['<%= config.bin %> diff web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Diff);
    const containers = await this.containers(flags.root);
    // docker's `{{.Type}} {{.Path}}`: C changed, A added, D deleted.
    const lines = (await containers.changes(args.container)).map((c) => `${LETTER[c.kind]} ${c.path}\n`);
    process.stdout.write(lines.join(''));
  }
}
