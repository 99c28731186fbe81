import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Pull extends BerthCommand {
  static override summary = 'Download an image from a registry';
  static override aliases = ['image:pull'];
  static override examples = ['<%= config.bin %> pull busybox', '<%= config.bin %> pull --platform linux/arm64 alpine:3.20', '<%= config.bin %> pull -a 127.0.0.1:5000/team/app'];
  static override args = { name: Args.string({ description: 'NAME[:TAG|@DIGEST]', required: true }) };
  static override flags = {
    'all-tags': Flags.boolean({ char: 'a', description: 'Download all tagged images in the repository' }),
    platform: Flags.string({ description: 'Set platform if server is multi-platform capable' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress verbose output' }),
    json: Flags.boolean({ description: "Print progress as newline-delimited JSON (Docker's JSONMessage), for programs", exclusive: ['quiet'] }),
    'disable-content-trust': Flags.boolean({ description: 'Skip image verification (accepted for compatibility)', default: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Pull);
    const core = await import('@berth/core');
    const { parseNormalizedReference, referenceString, parsePlatform, BerthError } = core;
    const ref = parseNormalizedReference(args.name);
    if (flags['all-tags'] && (ref.tag !== undefined || ref.digest !== undefined)) throw new BerthError('ERR_INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
    const { createProgress } = await import('../output/progress.js');
    const { concurrency, registryOptions } = await import('../registry/registry-options.js');
    const progress = createProgress(process.stdout, { quiet: flags.quiet, plainStatusLines: true, json: flags.json });
    const service = await this.images(flags.root);
    const adapter = await this.registryAdapter(flags.root, ref.domain);
    const options = await registryOptions();
    const { downloads } = await concurrency();
    const platform = flags.platform ? parsePlatform(flags.platform) : undefined;

    let targets = [ref];
    if (flags['all-tags']) {
      targets = (await adapter.tags(ref, options)).map((tag) => ({ ...ref, tag }));
    } else if (ref.tag === undefined && ref.digest === undefined) {
      if (flags.json) progress.sink({ status: 'Using default tag: latest' });
      else if (!flags.quiet) this.out('Using default tag: latest');
      targets = [{ ...ref, tag: 'latest' }];
    }
    // The messages (`Pulling from`, layers, `Digest:`, `Status:`) come from core, as dockerd sends them.
    for (const target of targets) {
      await service.pull(adapter, target, { registry: options, concurrency: downloads, events: progress.sink, loginCommand: 'berth login', ...(platform ? { platform } : {}) });
      if (!flags.json) this.out(referenceString(target));
    }
    progress.done();
  }
}
