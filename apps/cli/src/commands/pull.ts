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
    'disable-content-trust': Flags.boolean({ description: 'Skip image verification (accepted for compatibility)', default: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Pull);
    const core = await import('@berth/core');
    const { parseNormalizedReference, repositoryName, referenceString, familiarString, parsePlatform, BerthError } = core;
    const ref = parseNormalizedReference(args.name);
    if (flags['all-tags'] && (ref.tag !== undefined || ref.digest !== undefined)) throw new BerthError('ERR_INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
    const { createProgress } = await import('../output/progress.js');
    const { pullEvents } = await import('../registry/transfer-events.js');
    const { registryOptions } = await import('../registry/registry-options.js');
    const progress = createProgress(process.stdout, { quiet: flags.quiet, plainStatusLines: true });
    const events = pullEvents(progress.sink);
    const service = await this.images(flags.root);
    const adapter = await this.registryAdapter(flags.root, ref.domain);
    const options = await registryOptions();
    const platform = flags.platform ? parsePlatform(flags.platform) : undefined;

    let targets = [ref];
    if (flags['all-tags']) {
      targets = (await adapter.tags(ref, options)).map((tag) => ({ ...ref, tag }));
    } else if (ref.tag === undefined && ref.digest === undefined) {
      if (!flags.quiet) this.out('Using default tag: latest');
      targets = [{ ...ref, tag: 'latest' }];
    }
    for (const target of targets) {
      if (!flags.quiet) this.out(`${target.digest ?? target.tag}: Pulling from ${core.familiarName(target)}`);
      const src = await adapter.source(target, options);
      try {
        const [top] = await src.images().catch((err: unknown) => {
          throw dockerPullError(err, target, core);
        });
        if (!top) throw new BerthError('ERR_MANIFEST_UNKNOWN', `manifest for ${familiarString(target)} not found`);
        const repoDigest = `${repositoryName(target)}@${top.descriptor.digest}`;
        const before = await service.snapshot();
        const wasThere = target.digest ? [...before.images.values()].some((r) => r.repoDigests.includes(repoDigest)) : before.tags.get(referenceString(target));
        const dst = new core.StoreDestination(service.backend, { events, repoDigests: () => [repoDigest] });
        await dst.prime(before);
        // Docker lists every layer first: present ones as `Already exists`, the rest as `Pulling fs layer`.
        const chosen = await core.resolvePlatform(src, top.descriptor, platform);
        const parsed = core.parseManifest(chosen.bytes, chosen.mediaType, `manifest ${chosen.digest}`);
        if (parsed.kind === 'manifest') {
          for (const layer of parsed.manifest.layers) {
            const id = layer.digest.slice(layer.digest.indexOf(':') + 1, layer.digest.indexOf(':') + 13);
            progress.sink({ id, status: (await dst.hasBlob(layer)) ? 'Already exists' : 'Pulling fs layer' });
          }
        }
        const [copied] = await core.copyImages(src, dst, [top], { events, progressVerb: 'Downloading', ...(platform ? { platform } : {}) });
        const after = await service.snapshot();
        const upToDate = typeof wasThere === 'string' ? wasThere === copied?.configDigest : wasThere && after.images.get(copied!.configDigest) !== undefined;
        if (!flags.quiet) {
          this.out(`Digest: ${top.descriptor.digest}`);
          this.out(`Status: ${upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${familiarString(target)}`);
        }
        this.out(referenceString(target));
      } finally {
        await src.close();
      }
    }
    progress.done();
  }
}

/** Docker's wording for the two failures a user meets first: no such tag, no access. */
function dockerPullError(err: unknown, ref: import('@berth/core').Reference, core: typeof import('@berth/core')): unknown {
  if (core.isBerthError(err, 'ERR_MANIFEST_UNKNOWN')) return new core.BerthError('ERR_MANIFEST_UNKNOWN', `manifest for ${core.familiarString(ref)} not found: manifest unknown`, { cause: err });
  if (core.isBerthError(err, 'ERR_UNAUTHORIZED')) {
    return new core.BerthError('ERR_UNAUTHORIZED', `pull access denied for ${core.familiarName(ref)}, repository does not exist or may require 'berth login': ${err.message}`, { cause: err });
  }
  return err;
}
