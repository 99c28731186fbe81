import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { splitAtImage } from '../containers/split-argv.js';

export default class Top extends BerthCommand {
  static override summary = 'Display the running processes of a container';
  static override aliases = ['container:top'];
  static override strict = false;
  static override usage = 'top CONTAINER [ps OPTIONS]';
  static override examples = ['<%= config.bin %> top web', '<%= config.bin %> top web -o pid,comm'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };

  async run(): Promise<void> {
    // Options end at the container: what follows is ps's (`-o pid,comm`), never berth's.
    const { options, command } = splitAtImage(this.argv, new Set(['--root']));
    const { args, flags } = await this.parse(Top, options);
    const containers = await this.containers(flags.root);
    // Joined by spaces, as the docker CLI sends ps_args.
    const top = await containers.top(args.container, command.join(' '));
    const { TabWriter } = await import('@berth/core');
    // docker's `top` table: minwidth 20, padding 3.
    const tw = new TabWriter(20, 1, 3, ' ', 0);
    tw.write(`${top.Titles.join('\t')}\n`);
    for (const p of top.Processes) tw.write(`${p.join('\t')}\n`);
    process.stdout.write(tw.flush());
  }
}
