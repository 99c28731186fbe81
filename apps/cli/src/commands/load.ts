import { Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Load extends BerthCommand {
  static override summary = 'Load an image from a tar archive or STDIN';
  static override aliases = ['image:load'];
  static override examples = ['<%= config.bin %> load < busybox.tar.gz', '<%= config.bin %> load --input fedora.tar', '<%= config.bin %> load -q -i oci-archive.tar'];
  static override flags = {
    input: Flags.string({ char: 'i', description: 'Read from tar archive file (plain or gzip; docker save or OCI archive), instead of STDIN' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress the load output' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Load);
    const { BerthError } = await import('@berth/core');
    let input: NodeJS.ReadableStream;
    if (flags.input) {
      const { open } = await import('node:fs/promises');
      // Opened before anything starts: `open FILE: no such file or directory`, as docker says it.
      input = (await open(flags.input)).createReadStream();
    } else {
      if (process.stdin.isTTY) throw new BerthError('ERR_INVALID_ARGUMENT', 'requested load from stdin, but stdin is empty');
      input = process.stdin;
    }
    const { createProgress } = await import('../output/progress.js');
    const progress = createProgress(process.stdout, { quiet: flags.quiet });
    const service = await this.images(flags.root);
    const signal = await this.interruptSignal();
    try {
      await service.load(input as import('node:stream').Readable, { events: progress.sink, signal });
    } finally {
      progress.done();
    }
  }
}
