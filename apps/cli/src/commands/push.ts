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
    'disable-content-trust': Flags.boolean({ description: 'Skip image signing (accepted for compatibility)', default: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Push);
    const core = await import('@berth/core');
    const { parseNormalizedReference, repositoryName, referenceString, familiarString, BerthError } = core;
    const ref = parseNormalizedReference(args.name);
    if (ref.digest !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'cannot push a digest reference');
    if (flags['all-tags'] && ref.tag !== undefined) throw new BerthError('ERR_INVALID_ARGUMENT', 'tag can\'t be used with --all-tags/-a');
    const { createProgress } = await import('../output/progress.js');
    const { pushEvents } = await import('../registry/transfer-events.js');
    const { registryOptions } = await import('../registry/registry-options.js');
    const service = await this.images(flags.root);
    const snapshot = await service.snapshot();
    const repo = repositoryName(ref);

    let targets = [ref];
    if (flags['all-tags']) {
      targets = [...snapshot.tags.keys()].map((n) => parseNormalizedReference(n)).filter((r) => repositoryName(r) === repo && r.tag !== undefined);
      if (targets.length === 0) throw new BerthError('ERR_IMAGE_UNKNOWN', `An image does not exist locally with the tag: ${core.familiarName(ref)}`);
    } else if (ref.tag === undefined) {
      if (!flags.quiet) this.out('Using default tag: latest');
      targets = [{ ...ref, tag: 'latest' }];
    }
    const ids = targets.map((t) => {
      const id = snapshot.tags.get(referenceString(t));
      if (!id) throw new BerthError('ERR_IMAGE_UNKNOWN', `An image does not exist locally with the tag: ${familiarString(t)}`);
      return id;
    });

    const adapter = await this.registryAdapter(flags.root, ref.domain);
    const options = await registryOptions();
    const progress = createProgress(process.stdout, { quiet: flags.quiet, plainStatusLines: true });
    const events = pushEvents(progress.sink);
    const mountFrom = mountCandidates(snapshot, ref.domain, parseNormalizedReference);
    if (!flags.quiet) this.out(`The push refers to repository [${repo}]`);
    for (const [i, target] of targets.entries()) {
      const rec = snapshot.images.get(ids[i]!)!;
      // Docker lists the layers top-down before it starts.
      for (const l of [...rec.layers].reverse()) progress.sink({ id: l.digest.slice(7, 19), status: 'Preparing' });
      const src = new core.StoreSource(service.backend, snapshot, [{ descriptor: rec.manifest, names: [referenceString(target)] }]);
      const dst = await adapter.destination(target, { ...options, events, mountFrom });
      const [copied] = await core.copyImages(src, dst, await src.images(), { events, progressVerb: 'Pushing' });
      const digest = copied!.manifest.digest;
      if (!flags.quiet) this.out(`${target.tag}: digest: ${digest} size: ${copied!.manifest.bytes.length}`);
      // As docker does, the image now knows the digest it has in that repository.
      const repoDigest = `${repo}@${digest}`;
      await service.backend.metadata.update((draft) => {
        const r = draft.images.get(rec.id);
        if (r && !r.repoDigests.includes(repoDigest)) r.repoDigests = [...r.repoDigests, repoDigest];
      });
      if (flags.quiet) this.out(referenceString(target));
    }
    progress.done();
  }
}

type Snapshot = Awaited<ReturnType<import('@berth/core').ImageService['snapshot']>>;
type ParseRef = typeof import('@berth/core').parseNormalizedReference;

/** Repositories on `host` whose images hold a blob: where a cross-repository mount can take it from. */
function mountCandidates(snapshot: Snapshot, host: string, parse: ParseRef): (digest: string) => string[] {
  const repos = new Map<string, Set<string>>();
  const names = new Map<string, string[]>();
  for (const [name, id] of snapshot.tags) names.set(id, [...(names.get(id) ?? []), name]);
  for (const rec of snapshot.images.values()) {
    for (const name of [...(names.get(rec.id) ?? []), ...rec.repoDigests]) {
      const r = parse(name);
      if (r.domain !== host) continue;
      for (const l of rec.layers) {
        const set = repos.get(l.digest) ?? new Set<string>();
        set.add(r.path);
        repos.set(l.digest, set);
      }
    }
  }
  return (digest) => [...(repos.get(digest) ?? [])];
}
