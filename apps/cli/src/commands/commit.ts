import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Commit extends BerthCommand {
  static override summary = "Create a new image from a container's changes";
  static override aliases = ['container:commit'];
  static override examples = [
    '<%= config.bin %> commit web example/web:v2',
    '<%= config.bin %> commit -a "Jane <jane@example.com>" -m "add index" -c "CMD [\\"httpd\\", \\"-f\\"]" web',
  ];
  static override args = {
    container: Args.string({ description: 'CONTAINER', required: true }),
    repository: Args.string({ description: 'REPOSITORY[:TAG]', required: false }),
  };
  static override flags = {
    author: Flags.string({ char: 'a', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' }),
    message: Flags.string({ char: 'm', description: 'Commit message' }),
    change: Flags.string({ char: 'c', description: 'Apply Dockerfile instruction to the created image', multiple: true, multipleNonGreedy: true }),
    pause: Flags.boolean({ char: 'p', description: 'Pause container during commit (accepted; berth reads the changes without pausing)', default: true, allowNo: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Commit);
    const { parseTagReference } = await import('@berth/core');
    // The name is checked before any work, as docker's client does.
    if (args.repository) parseTagReference(args.repository);
    const containers = await this.containers(flags.root);
    const rec = await containers.find(args.container);
    const { applyDockerfileChanges } = await import('@berth/builder-dockerfile');
    // moby: BuildFromConfig(container.Config, changes), merged with the container's config.
    const config = applyDockerfileChanges(structuredClone(rec.Config), flags.change ?? []);
    const id = await containers.commit(rec.Id, {
      config,
      ...(flags.author ? { author: flags.author } : {}),
      ...(flags.message ? { comment: flags.message } : {}),
      ...(args.repository ? { tag: args.repository } : {}),
    });
    this.out(id);
  }
}
