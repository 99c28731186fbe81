import { Args, Flags } from '@oclif/core';
import type { ImageInspect } from '@berth/core';
import { BerthCommand } from '../base-command.js';
import { formatInspect } from '../output/render.js';

export default class Inspect extends BerthCommand {
  static override summary = 'Return low-level information on containers and images';
  static override strict = false;
  static override examples = ['<%= config.bin %> inspect web', "<%= config.bin %> inspect -f '{{.State.Status}}' web", '<%= config.bin %> inspect --type image busybox'];
  static override args = { name: Args.string({ description: 'NAME|ID', required: true }) };
  static override flags = {
    format: Flags.string({ char: 'f', description: "Format output using a custom template: 'json' or a Go template" }),
    type: Flags.string({ description: 'Return JSON for specified type', options: ['container', 'image'] }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Inspect);
    const imageService = await this.images(flags.root);
    // A store without container records (a third-party one) still answers for images.
    const containers = flags.type === 'container' ? await this.containers(flags.root) : await this.containers(flags.root).catch(() => undefined);
    const { containerInspect, imageInspectTemplateData } = await import('@berth/core');
    const found: object[] = [];
    const images = new WeakSet<object>();
    const errors: string[] = [];
    // docker's order (cli/command/system/inspect.go): a container first, then an image.
    for (const name of argv as string[]) {
      if (flags.type !== 'image' && containers) {
        try {
          found.push(containerInspect(await containers.find(name)));
          continue;
        } catch (err) {
          if ((err as { code?: string }).code !== 'ERR_CONTAINER_UNKNOWN') throw err;
          if (flags.type === 'container') {
            errors.push((err as Error).message);
            continue;
          }
        }
      }
      try {
        const image = await imageService.inspect(name);
        images.add(image);
        found.push(image);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_IMAGE_UNKNOWN') throw err;
        // docker 28's CLI wraps the daemon's reason for images (not for containers).
        errors.push(flags.type === 'image' ? `no such image: ${name}: ${(err as Error).message}` : `No such object: ${name}`);
      }
    }
    process.stdout.write(formatInspect(found, flags.format, (e) => (images.has(e) ? imageInspectTemplateData(e as ImageInspect) : undefined)));
    if (errors.length > 0) {
      for (const e of errors) this.errLine(`Error: ${e}`);
      process.exitCode = 1;
    }
  }
}
