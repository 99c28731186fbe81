import { text } from 'node:stream/consumers';
import { basename, isAbsolute, relative } from 'node:path';
import { Args, Errors, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Build extends BerthCommand {
  static override summary = 'Build an image from a Dockerfile';
  static override aliases = ['image:build'];
  static override examples = [
    '<%= config.bin %> build -t web:1 .',
    '<%= config.bin %> build -f docker/Dockerfile.dev --build-arg VERSION=2 --target dev .',
    'tar -c . | <%= config.bin %> build -t web -',
    '<%= config.bin %> build - < Dockerfile',
  ];
  static override args = {
    context: Args.string({ description: 'PATH (a directory or a tar archive) | -', required: true }),
  };
  static override flags = {
    tag: Flags.string({ char: 't', description: "Name and optionally a tag in the 'name:tag' format", multiple: true, multipleNonGreedy: true }),
    file: Flags.string({ char: 'f', description: "Name of the Dockerfile (Default is 'PATH/Dockerfile')" }),
    'build-arg': Flags.string({ description: 'Set build-time variables', multiple: true, multipleNonGreedy: true }),
    target: Flags.string({ description: 'Set the target build stage to build.' }),
    'no-cache': Flags.boolean({ description: 'Do not use cache when building the image' }),
    label: Flags.string({ description: 'Set metadata for an image', multiple: true, multipleNonGreedy: true }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress the build output and print image ID on success' }),
    platform: Flags.string({ description: 'Set platform if server is multi-platform capable', env: 'DOCKER_DEFAULT_PLATFORM' }),
    pull: Flags.boolean({ description: 'Always attempt to pull a newer version of the image' }),
    network: Flags.string({ description: 'Set the networking mode for the RUN instructions during build', options: ['default', 'host', 'none'], default: 'default' }),
    iidfile: Flags.string({ description: 'Write the image ID to the file' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Build);
    const { BerthError, parseTagReference } = await import('@berth/core');
    const { buildImage, readDockerignore, createIgnoreMatcher, unpackContext, contextTarSize, BuildStepError } = await import('@berth/builder-dockerfile');
    const { mkdtemp, readFile, rm, stat, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const { createReadStream } = await import('node:fs');
    const { Transform, Writable } = await import('node:stream');

    for (const t of flags.tag ?? []) parseTagReference(t);
    // As docker: a failed build leaves no ID from an earlier one behind.
    if (flags.iidfile) await rm(flags.iidfile, { force: true });
    const buildArgs: Record<string, string> = {};
    for (const a of flags['build-arg'] ?? []) {
      const i = a.indexOf('=');
      // `--build-arg NAME` takes the value from the environment, or is dropped when unset.
      if (i < 0) {
        if (process.env[a] !== undefined) buildArgs[a] = process.env[a]!;
      } else buildArgs[a.slice(0, i)] = a.slice(i + 1);
    }
    const labels: Record<string, string> = {};
    for (const l of flags.label ?? []) {
      const i = l.indexOf('=');
      labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
    }

    // Ctrl-C stops the build between steps or kills a running RUN; temp files and the container go.
    const abort = new AbortController();
    const onSignal = (): void => abort.abort(new BerthError('ERR_ABORTED', 'build canceled'));
    // on, not once: signal-exit (proper-lockfile's) re-raises a signal when it finds no other listener left.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let contextDir: string;
    let scratchDir: string | undefined;
    // An archive context is sent by docker's CLI as it is: its size line counts the archive's bytes.
    let sentBytes: number | undefined;
    const counted = (input: NodeJS.ReadableStream): import('node:stream').Readable => {
      sentBytes = 0;
      const t = new Transform({
        transform(chunk: Buffer, _e, cb) {
          sentBytes! += chunk.length;
          cb(null, chunk);
        },
      });
      input.on('error', (err) => t.destroy(err));
      return input.pipe(t);
    };
    let dockerfileText: string | undefined;
    let dockerfilePath: string | undefined;
    try {
      if (args.context === '-') {
        if (process.stdin.isTTY) throw new BerthError('ERR_INVALID_ARGUMENT', 'requested build from stdin, but stdin is a terminal');
        const { peekBytes, sniffCompression } = await import('@berth/core');
        const { head, stream } = await peekBytes(process.stdin, 512);
        scratchDir = await mkdtemp(join(tmpdir(), 'berth-context-'));
        contextDir = scratchDir;
        // A tar (or compressed tar) is a context; anything else is the Dockerfile itself, with no context.
        if (sniffCompression(head) !== 'none' || isUstarTar(head)) await unpackContext(counted(stream), contextDir);
        else {
          // docker's CLI sends such a Dockerfile as a context holding only it.
          dockerfileText = await text(stream);
          await writeFile(join(contextDir, 'Dockerfile'), dockerfileText);
        }
      } else {
        const info = await stat(args.context).catch(() => undefined);
        if (!info) throw new BerthError('ERR_INVALID_ARGUMENT', `unable to prepare context: path "${args.context}" not found`);
        if (info.isDirectory()) contextDir = resolve(args.context);
        else {
          scratchDir = await mkdtemp(join(tmpdir(), 'berth-context-'));
          contextDir = scratchDir;
          await unpackContext(counted(createReadStream(args.context)), contextDir);
        }
      }
      if (dockerfileText === undefined) {
        if (flags.file === '-') dockerfileText = await text(process.stdin);
        else {
          // -f is relative to the working directory for a directory context, to the archive's root otherwise.
          dockerfilePath = flags.file ? (scratchDir ? join(contextDir, flags.file) : resolve(flags.file)) : join(contextDir, 'Dockerfile');
          dockerfileText = await readFile(dockerfilePath, 'utf8').catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') throw new BerthError('ERR_INVALID_ARGUMENT', `Cannot locate specified Dockerfile: ${flags.file ?? 'Dockerfile'}`);
            throw err;
          });
        }
      }
      const ignoreFile = await readDockerignore(contextDir, dockerfilePath);
      const ignore = createIgnoreMatcher(ignoreFile.patterns);
      const quiet = flags.quiet;
      if (!quiet) {
        const { humanSize } = await import('@berth/core');
        // docker's CLI ends its (non-terminal) progress line with two carriage returns.
        process.stdout.write(`Sending build context to Docker daemon ${humanSize(sentBytes ?? (await contextTarSize(contextDir, ignore, dockerfilePath))).padStart(8)}\r\r\n`);
      }
      // The classic builder's check, made once the context is sent (one with only comments is the
      // parser's "file with no instructions").
      if (dockerfileText === '') throw new BerthError('ERR_DOCKERFILE', `the Dockerfile (${dockerfileName(contextDir, dockerfilePath)}) cannot be empty`);
      const service = await this.images(flags.root);
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const epoch = process.env.SOURCE_DATE_EPOCH;
      const runtime = await this.runtimeOpener(flags.root);
      // The classic builder pulls a missing base (and every base with --pull), its progress in the build's output.
      const { createProgress } = await import('../output/progress.js');
      const { concurrency, registryOptions } = await import('../registry/registry-options.js');
      const { parseNormalizedReference, parsePlatform, withDefaultTag } = await import('@berth/core');
      const pullProgress = createProgress(quiet ? sink : process.stdout, { quiet, plainStatusLines: true });
      const pullImage = async (name: string, platform: string | undefined, signal?: AbortSignal): Promise<void> => {
        const ref = withDefaultTag(parseNormalizedReference(name));
        const adapter = await this.registryAdapter(flags.root, ref.domain);
        await service.pull(adapter, ref, { registry: await registryOptions(), concurrency: (await concurrency()).downloads, events: pullProgress.sink, loginCommand: 'berth login', ...(platform ? { platform: parsePlatform(platform) } : {}), ...(signal ? { signal } : {}) });
      };
      const result = await buildImage({
        images: service,
        contextDir,
        dockerfile: dockerfileText,
        ignore,
        buildArgs,
        ...(flags.target ? { target: flags.target } : {}),
        noCache: flags['no-cache'],
        labels,
        ...(flags.platform ? { platform: flags.platform } : {}),
        tags: flags.tag ?? [],
        ...(epoch !== undefined && /^\d+$/.test(epoch) ? { sourceDateEpoch: Number(epoch) } : {}),
        ...(runtime ? { runtime } : {}),
        pullImage,
        pull: flags.pull,
        // No bridge network here: docker's default (a bridge) is the host's network for RUN.
        network: flags.network === 'none' ? 'none' : 'host',
        log: quiet ? () => {} : (line) => this.out(line),
        stdout: quiet ? sink : process.stdout,
        stderr: quiet ? sink : process.stderr,
        signal: abort.signal,
      });
      if (flags.iidfile) await writeFile(flags.iidfile, result.id);
      if (quiet) this.out(result.id);
    } catch (err) {
      if (err instanceof Errors.ExitError) throw err;
      // docker build prints the builder's error as it is (no "Error:" prefix); a failed RUN exits with its code.
      this.errLine((err as Error).message.split('\n')[0] ?? String(err));
      this.exit(err instanceof BuildStepError ? err.exitCode : 1);
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
    }
  }
}

function isUstarTar(head: Buffer): boolean {
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** The Dockerfile's name as the daemon knows it: its path in the context, else its file name. */
function dockerfileName(contextDir: string, path: string | undefined): string {
  if (path === undefined) return 'Dockerfile';
  const inContext = relative(contextDir, path);
  return inContext.startsWith('..') || isAbsolute(inContext) ? basename(path) : inContext;
}
