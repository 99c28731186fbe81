import { Args, Flags, type Interfaces } from '@oclif/core';
import type { ContainerRecord, ContainerService } from '@berth/core';
import { BerthCommand } from '../base-command.js';
import { splitAtImage } from '../containers/split-argv.js';

export const VALUED = new Set(['--restart', '-m', '--memory', '--cpus', '--env-file', '-h', '--hostname', '-l', '--label', '-e', '--env', '-w', '--workdir', '-u', '--user', '--entrypoint', '-v', '--volume', '--name', '--network', '--net', '--root', '--pull']);

type CreateFlags = Interfaces.InferredFlags<typeof Create.flags> & { root?: string };

/** `berth create`, and the base of `berth run`: the container made from the flags, not started. */
export default class Create extends BerthCommand {
  static override summary = 'Create a new container';
  static override aliases = ['container:create'];
  static override strict = false;
  static override usage = 'create [OPTIONS] IMAGE [COMMAND] [ARG...]';
  static override examples = ['<%= config.bin %> create --name job busybox sh -c "echo hello > /f"', '<%= config.bin %> create -it --name shell busybox sh'];
  static override args = { image: Args.string({ description: 'IMAGE', required: true }) };
  static override flags = {
    rm: Flags.boolean({ description: 'Automatically remove the container when it exits' }),
    name: Flags.string({ description: 'Assign a name to the container' }),
    env: Flags.string({ char: 'e', description: 'Set environment variables', multiple: true, multipleNonGreedy: true }),
    workdir: Flags.string({ char: 'w', description: 'Working directory inside the container' }),
    user: Flags.string({ char: 'u', description: 'Username or UID (format: <name|uid>[:<group|gid>])' }),
    entrypoint: Flags.string({ description: 'Overwrite the default ENTRYPOINT of the image' }),
    'env-file': Flags.string({ description: 'Read in a file of environment variables', multiple: true, multipleNonGreedy: true }),
    hostname: Flags.string({ char: 'h', description: 'Container host name' }),
    restart: Flags.string({ description: 'Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:max-retries])', default: 'no' }),
    'read-only': Flags.boolean({ description: "Mount the container's root filesystem as read only" }),
    memory: Flags.string({ char: 'm', description: 'Memory limit' }),
    cpus: Flags.string({ description: 'Number of CPUs' }),
    label: Flags.string({ char: 'l', description: 'Set meta data on a container', multiple: true, multipleNonGreedy: true }),
    volume: Flags.string({ char: 'v', description: 'Bind mount a volume (HOST-PATH:CONTAINER-PATH[:ro])', multiple: true, multipleNonGreedy: true }),
    network: Flags.string({ description: 'Connect a container to a network: host (default) or none', aliases: ['net'] }),
    interactive: Flags.boolean({ char: 'i', description: 'Keep STDIN open even if not attached' }),
    tty: Flags.boolean({ char: 't', description: 'Allocate a pseudo-TTY' }),
    pull: Flags.string({ description: 'Pull image before running', options: ['always', 'missing', 'never'], default: 'missing' }),
  };

  // docker run and create exit 125 when the container cannot be made or started (docker's failure, not the
  // command's); the command's own exit code is set without throwing.
  protected override async catch(err: Error): Promise<void> {
    await super.catch(err);
    if (process.exitCode === 1) process.exitCode = 125;
  }

  async run(): Promise<void> {
    const { image, flags, command } = await this.parseOptions(Create);
    const { rec } = await this.createContainer(image, flags, command, false);
    this.out(rec.Id);
  }

  /** The options end at the image: what follows is the container's command, never berth's flags. */
  protected async parseOptions<T extends typeof Create>(cls: T): Promise<{ image: string; flags: Interfaces.InferredFlags<T['flags']> & { root?: string }; command: string[] }> {
    const { options, command } = splitAtImage(this.argv, VALUED);
    const { args, flags } = await this.parse(cls, options);
    return { image: args.image, flags: flags as Interfaces.InferredFlags<T['flags']> & { root?: string }, command };
  }

  /** Pulls the image as `--pull` says and makes the container (not started). */
  protected async createContainer(image: string, flags: CreateFlags, command: string[], detach: boolean): Promise<{ rec: ContainerRecord; containers: ContainerService }> {
    const { checkContainerName, resolveEnvFlags, parseEnvFile, parseLabelFlags, ramInBytes, BerthError } = await import('@berth/core');
    const { parseRestartPolicy } = await import('@berth/core');
    const restart = parseRestartPolicy(flags.restart);
    if (restart.Name !== 'no' && flags.rm) throw new BerthError('ERR_INVALID_ARGUMENT', 'conflicting options: cannot specify both --restart and --rm');
    const memory = flags.memory !== undefined ? ramInBytes(flags.memory) : 0;
    // Docker refuses less than 6 MiB (the kernel needs some for the cgroup itself).
    if (flags.memory !== undefined && memory < 6 * 1024 * 1024) throw new BerthError('ERR_INVALID_ARGUMENT', 'Minimum memory limit allowed is 6MB');
    const cpus = flags.cpus !== undefined ? Number(flags.cpus) : 0;
    if (!Number.isFinite(cpus) || cpus < 0) throw new BerthError('ERR_INVALID_ARGUMENT', `invalid argument "${flags.cpus}" for "--cpus" flag`);
    const { readFile } = await import('node:fs/promises');
    // As docker's CLI: the files' variables first, then -e.
    const fromFiles: string[] = [];
    for (const path of flags['env-file'] ?? []) fromFiles.push(...parseEnvFile(await readFile(path, 'utf8'), path));
    const name = flags.name !== undefined ? checkContainerName(flags.name) : undefined;
    const network = flags.network ?? 'host';
    if (network !== 'host' && network !== 'none') {
      throw new BerthError('ERR_UNSUPPORTED', `network ${network} not found: berth runs containers with --network host or none`);
    }
    const containers = await this.containers(flags.root);
    await this.pullAsAsked(flags.root, image, flags.pull);
    const rec = await containers.create({
      imageName: image,
      cmd: command,
      ...(flags.entrypoint !== undefined ? { entrypoint: flags.entrypoint } : {}),
      env: [...fromFiles, ...resolveEnvFlags(flags.env ?? [])],
      ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
      ...(flags.hostname ? { hostname: flags.hostname } : {}),
      ...(restart.Name !== 'no' ? { restart } : {}),
      ...(flags['read-only'] ? { readonlyRootfs: true } : {}),
      ...(memory > 0 ? { memory } : {}),
      ...(cpus > 0 ? { nanoCpus: Math.round(cpus * 1e9) } : {}),
      ...(flags.label ? { labels: parseLabelFlags(flags.label) } : {}),
      ...(flags.user !== undefined ? { user: flags.user } : {}),
      tty: flags.tty,
      interactive: flags.interactive,
      detach,
      binds: flags.volume ?? [],
      network,
      autoRemove: flags.rm,
      ...(name ? { name } : {}),
    });
    return { rec, containers };
  }

  /**
   * docker run's `--pull`: `missing` (the default) pulls a name not in the store, its progress on
   * stderr after `Unable to find image 'x:latest' locally`; `always` asks the registry every time;
   * `never` runs what the store has or fails. An ID (or ID prefix) is never pulled.
   */
  protected async pullAsAsked(root: string | undefined, image: string, policy: string): Promise<void> {
    const core = await import('@berth/core');
    const service = await this.images(root);
    const isId = /^(sha256:)?[0-9a-f]{1,64}$/.test(image);
    if (policy !== 'always' || isId) {
      try {
        core.findImage(await service.snapshot(), image);
        return;
      } catch (err) {
        if (!core.isBerthError(err, 'ERR_IMAGE_UNKNOWN') || isId || policy === 'never') throw err;
      }
    }
    const ref = core.withDefaultTag(core.parseNormalizedReference(image));
    if (policy !== 'always') this.errLine(`Unable to find image '${core.familiarString(ref)}' locally`);
    const { createProgress } = await import('../output/progress.js');
    const { concurrency, registryOptions } = await import('../registry/registry-options.js');
    const progress = createProgress(process.stderr, { plainStatusLines: true });
    const adapter = await this.registryAdapter(root, ref.domain);
    await service.pull(adapter, ref, { registry: await registryOptions(), concurrency: (await concurrency()).downloads, events: progress.sink, loginCommand: 'berth login' });
    progress.done();
  }
}
