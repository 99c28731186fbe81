import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Rm extends BerthCommand {
  static override summary = 'Remove one or more containers';
  static override aliases = ['container:rm', 'container:remove'];
  static override strict = false;
  static override examples = ['<%= config.bin %> rm web', '<%= config.bin %> rm -f web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Force the removal of a running container (uses SIGKILL)' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rm);
    const containers = await this.containers(flags.root);
    let orphanLayers = false;
    await this.eachArgument(argv as string[], async (name) => {
      const rec = await containers.remove(name, { force: flags.force });
      this.out(name);
      // Its image was force-removed before: this container was the last to stand on those layers.
      orphanLayers ||= !(await containers.images.snapshot()).images.has(rec.Image);
    });
    if (orphanLayers) await this.pruneRuntimeCache();
  }
}
