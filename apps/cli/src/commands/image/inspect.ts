import { Args, Flags } from '@oclif/core';
import { imageInspectTemplateData, type ImageInspect as ImageInspectResponse } from '@berth/core';
import { BerthCommand } from '../../base-command.js';
import { formatInspect } from '../../output/render.js';

export default class ImageInspect extends BerthCommand {
  static override summary = 'Display detailed information on one or more images';
  static override strict = false;
  static override examples = ['<%= config.bin %> image inspect busybox', "<%= config.bin %> image inspect --format '{{.Id}} {{.Size}}' busybox alpine", "<%= config.bin %> image inspect -f '{{json .Config}}' busybox"];
  static override args = { image: Args.string({ description: 'IMAGE', required: true }) };
  static override flags = {
    format: Flags.string({ char: 'f', description: "Format output using a custom template: 'json' or a Go template" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ImageInspect);
    const service = await this.images(flags.root);
    const found: ImageInspectResponse[] = [];
    const errors: string[] = [];
    for (const name of argv as string[]) {
      try {
        found.push(await service.inspect(name));
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_IMAGE_UNKNOWN') throw err;
        errors.push((err as Error).message);
      }
    }
    // Like docker: what was found is printed, then every miss, and the exit code says so.
    process.stdout.write(formatInspect(found, flags.format, imageInspectTemplateData));
    if (errors.length > 0) {
      for (const e of errors) this.errLine(`Error: ${e}`);
      process.exitCode = 1;
    }
  }
}
