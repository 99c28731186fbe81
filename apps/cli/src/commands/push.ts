import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Push extends BerthCommand {
  static override summary = 'Upload an image to a registry';
  static override aliases = ['image:push'];
  static override examples = ['<%= config.bin %> push 127.0.0.1:5000/team/app:1.0', '<%= config.bin %> push -a registry.example.com/team/app'];
  static override args = { name: Args.string({ description: 'NAME[:TAG]', required: true }) };
  static override flags = {
    'all-tags': Flags.boolean({ char: 'a', description: 'Push all tags of an image to the repository' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress verbose output' }),
    json: Flags.boolean({ description: "Print progress as newline-delimited JSON (Docker's JSONMessage), for programs", exclusive: ['quiet'] }),
    'disable-content-trust': Flags.boolean({ description: 'Skip image signing (accepted for compatibility)', default: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Push);
    const core = await import('@berth/core');
    const { parseNormalizedReference, referenceString, BerthError } = core;
    let ref = parseNormalizedReference(args.name);
    if (ref.digest !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'cannot push a digest reference');
    if (flags['all-tags'] && ref.tag !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
    const { createProgress } = await import('../output/progress.js');
    const { concurrency, registryOptions } = await import('../registry/registry-options.js');
    const service = await this.images(flags.root);
    const progress = createProgress(process.stdout, { quiet: flags.quiet, plainStatusLines: true, json: flags.json });
    if (!flags['all-tags'] && ref.tag === undefined) {
      if (flags.json) progress.sink({ status: 'Using default tag: latest' });
      else if (!flags.quiet) this.out('Using default tag: latest');
      ref = { ...ref, tag: 'latest' };
    }
    // Checked before the registry client loads: a missing tag costs nothing.
    core.pushTargets(await service.snapshot(), ref);
    const adapter = await this.registryAdapter(flags.root, ref.domain);
    // The messages (`The push refers to …`, layers, `TAG: digest: …`) come from core, as dockerd sends them.
    const pushed = await service.push(adapter, ref, { registry: await registryOptions(), concurrency: (await concurrency()).uploads, events: progress.sink });
    if (flags.quiet) for (const p of pushed) this.out(referenceString(p.reference));
    progress.done();
  }
}
