import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Save extends BerthCommand {
  static override summary = 'Save one or more images to a tar archive (streamed to STDOUT by default)';
  static override aliases = ['image:save'];
  static override strict = false;
  static override examples = ['<%= config.bin %> save busybox > busybox.tar', '<%= config.bin %> save -o fedora-all.tar fedora', '<%= config.bin %> save -o images.tar busybox:1 alpine:3 | gzip > images.tar.gz'];
  static override args = { image: Args.string({ description: 'IMAGE', required: true }) };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write to a file, instead of STDOUT' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Save);
    const { BerthError } = await import('@berth/core');
    if (!flags.output && process.stdout.isTTY) {
      throw new BerthError('ERR_INVALID_ARGUMENT', 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const service = await this.images(flags.root);
    if (!flags.output) return service.save(argv as string[], process.stdout);
    const { writeAtomically } = await import('../output/atomic-output.js');
    // Written beside the target and renamed at the end, so a failed or interrupted save leaves no
    // half archive (Ctrl-C ends the file's stream; writeAtomically removes it).
    const signal = await this.interruptSignal();
    await writeAtomically(flags.output, 'save image', (out) => {
      signal.addEventListener('abort', () => out.destroy(signal.reason as Error), { once: true });
      return service.save(argv as string[], out);
    });
  }
}
