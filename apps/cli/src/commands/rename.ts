import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Rename extends BerthCommand {
  static override summary = 'Rename a container';
  static override aliases = ['container:rename'];
  static override examples = ['<%= config.bin %> rename web web-old'];
  static override args = {
    container: Args.string({ description: 'CONTAINER', required: true }),
    name: Args.string({ description: 'NEW_NAME', required: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rename);
    const { checkContainerName, BerthError } = await import('@berth/core');
    const containers = await this.containers(flags.root);
    try {
      // moby's daemon/rename.go, in its order: the container, the same name, then reserving the new one.
      const rec = await containers.find(args.container);
      const name = `/${args.name.replace(/^\//, '')}`;
      if (name === rec.Name) throw new BerthError('ERR_INVALID_ARGUMENT', `Renaming a container with the same name as its current name`);
      try {
        checkContainerName(name);
      } catch (err) {
        throw new BerthError('ERR_INVALID_ARGUMENT', `Error when allocating new name: ${(err as Error).message}`);
      }
      await containers.store.rename(rec.Id, name);
    } catch (err) {
      if (!(err instanceof BerthError)) throw err;
      // docker's CLI prints the daemon's reason, then its own line.
      this.errLine(`Error: ${err.message}`);
      this.errLine(`Error: failed to rename container named ${args.container}`);
      process.exitCode = 1;
    }
  }
}
