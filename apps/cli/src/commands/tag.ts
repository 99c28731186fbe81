import { Args } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Tag extends BerthCommand {
  static override summary = 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE';
  static override aliases = ['image:tag'];
  static override examples = ['<%= config.bin %> tag 0e5574283393 fedora/httpd:version1.0', '<%= config.bin %> tag httpd myregistryhost:5000/fedora/httpd:version1.0'];
  static override args = {
    source: Args.string({ description: 'SOURCE_IMAGE[:TAG]', required: true }),
    target: Args.string({ description: 'TARGET_IMAGE[:TAG]', required: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Tag);
    await (await this.images(flags.root)).tag(args.source, args.target);
  }
}
