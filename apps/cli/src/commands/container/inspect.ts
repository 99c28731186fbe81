import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';
import { formatInspect } from '../../output/render.js';

export default class ContainerInspect extends BerthCommand {
  static override summary = 'Display detailed information on one or more containers';
  static override strict = false;
  static override examples = ['<%= config.bin %> container inspect web', "<%= config.bin %> container inspect -f '{{.State.ExitCode}}' job"];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    format: Flags.string({ char: 'f', description: "Format output using a custom template: 'json' or a Go template" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ContainerInspect);
    const containers = await this.containers(flags.root);
    const { containerInspect } = await import('@berth/core');
    const found: unknown[] = [];
    let failed = false;
    for (const name of argv as string[]) {
      try {
        const c = await containers.find(name);
        found.push(containerInspect(c));
      } catch (err) {
        if (!(err as { code?: string }).code?.startsWith('ERR_')) throw err;
        this.errLine(`Error: ${(err as Error).message}`);
        failed = true;
      }
    }
    if (found.length > 0 || !failed) process.stdout.write(formatInspect(found, flags.format));
    if (failed) process.exitCode = 1;
  }
}
