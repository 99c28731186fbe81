// What every berth command shares: the global --root flag, the composed services, and errors as
// one line on stderr with Docker's exit codes (1 for a failed operation, 125 for bad usage; a wrong
// number of arguments is docker's three-part message and 1, as its CLI does).
import { Command, Flags, Errors, type Interfaces } from '@oclif/core';
import type { ContainerService, ImageService, PluginHost, RegistryAdapter } from '@berth/core';
import { storeRoot } from './store-root.js';
import { goSystemErrorText } from './output/go-error.js';
import { argCountMessage } from './output/arg-count-error.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BerthCommand)['baseFlags'] & T['flags']>;

export abstract class BerthCommand extends Command {
  static override baseFlags = {
    root: Flags.string({ description: 'store root (default $BERTH_ROOT or $XDG_DATA_HOME/berth)', helpGroup: 'GLOBAL', env: 'BERTH_ROOT' }),
  };

  private imageService?: ImageService;
  private pluginHost?: PluginHost;
  private containerService?: ContainerService;
  /** The signal that interrupted the command, once one did (see interruptSignal). */
  private interruptedBy: number | undefined;

  /** The image service over the configured store; composed (plugins checked) on first use only. */
  protected async images(rootFlag: string | undefined): Promise<ImageService> {
    if (this.imageService) return this.imageService;
    const [{ Tokens }, { composeCli }] = await Promise.all([import('@berth/core'), import('./plugins.js')]);
    const c = await composeCli(storeRoot(rootFlag));
    this.imageService = c.resolve<ImageService>(Tokens.ImageService);
    this.pluginHost = c.resolve<PluginHost>(Tokens.PluginHost);
    if (c.isRegistered(Tokens.ContainerService)) this.containerService = c.resolve<ContainerService>(Tokens.ContainerService);
    return this.imageService;
  }

  /** Containers (`run`, `ps`, `commit`…) over the configured store; the runtime opens on first use. */
  protected async containers(rootFlag: string | undefined): Promise<ContainerService> {
    await this.images(rootFlag);
    if (!this.containerService) {
      const { BerthError } = await import('@berth/core');
      throw new BerthError('ERR_UNSUPPORTED', 'the configured store keeps no containers');
    }
    return this.containerService;
  }

  /**
   * The registry adapter for `host`: a third-party plugin's from berth's config when one claims
   * it, else the built-in distribution one, whose code (undici and all) loads only here.
   */
  protected async registryAdapter(rootFlag: string | undefined, host: string): Promise<RegistryAdapter> {
    await this.images(rootFlag);
    return this.pluginHost!.registryAdapter(host);
  }

  /**
   * Opens the container runtime on first call (RUN steps, containers): the runtime plugin's code
   * loads then, so a build without RUN never pays for it.
   */
  protected async runtimeOpener(rootFlag: string | undefined): Promise<(() => Promise<import('@berth/core').ContainerRuntime>) | undefined> {
    await this.images(rootFlag);
    const root = storeRoot(rootFlag);
    return () => this.pluginHost!.openRuntime({ root });
  }

  /**
   * After images went: the runtime's unpacked layers that nothing needs any more go too. The
   * removal itself already succeeded, so a failure here is a warning, not an error.
   */
  protected async pruneRuntimeCache(): Promise<void> {
    if (!this.containerService) return;
    try {
      await this.containerService.pruneRuntimeCache();
    } catch (err) {
      this.errLine(`Warning: the unpacked layers of removed images were not cleaned up: ${firstLine(err as Error)}`);
    }
  }

  /**
   * Ctrl-C and SIGTERM abort the returned signal instead of killing the process: the command
   * unwinds and removes what it staged (a load's archive files in the store's tmp), then ends
   * quietly with 128+signo, as the docker CLI killed by that signal. A second one exits at once.
   */
  protected async interruptSignal(): Promise<AbortSignal> {
    const { BerthError } = await import('@berth/core');
    const controller = new AbortController();
    // on, not once: signal-exit (proper-lockfile's) re-raises a signal when it finds no other listener left.
    for (const [name, number] of [['SIGINT', 2], ['SIGTERM', 15]] as const) {
      process.on(name, () => {
        if (this.interruptedBy !== undefined) process.exit(128 + this.interruptedBy);
        this.interruptedBy = number;
        controller.abort(new BerthError('ERR_ABORTED', 'interrupted'));
      });
    }
    return controller.signal;
  }

  protected out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected errLine(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  /**
   * Runs `action` for each argument on its own, as docker does with several containers or
   * images: a berth error is one `Error:` line and exit status 1, and the others still run.
   */
  protected async eachArgument(names: readonly string[], action: (name: string) => Promise<void>): Promise<void> {
    let failed = false;
    for (const name of names) {
      try {
        await action(name);
      } catch (err) {
        if (!isCoded(err as Error)) throw err;
        this.errLine(`Error: ${(err as Error).message}`);
        failed = true;
      }
    }
    if (failed) process.exitCode = 1;
  }

  /**
   * Runs container `id` on this process's stdio (stdin too when `interactive`), forwarding
   * signals to it; its exit status becomes berth's (`run` and `start -a`).
   */
  protected async runAttachedHere(containers: ContainerService, id: string, interactive: boolean): Promise<void> {
    const { proxySignals } = await import('./containers/signals.js');
    const stop = proxySignals((sig) => void containers.kill(id, sig).catch(() => {}));
    try {
      process.exitCode = await containers.runAttached(id, {
        ...(interactive ? { stdin: process.stdin } : {}),
        stdout: process.stdout,
        stderr: process.stderr,
      });
    } catch (err) {
      this.exitForStartFailure(err);
    } finally {
      stop();
      // stdin would keep berth alive after the container is gone.
      if (interactive) process.stdin.destroy();
    }
  }

  /** A process that could not start: its reason on stderr and Docker's code (126/127); anything else is rethrown. */
  protected exitForStartFailure(err: unknown): void {
    const code = (err as { exitCode?: unknown }).exitCode;
    if (typeof code !== 'number') throw err;
    this.errLine(`Error: ${(err as Error).message}`);
    process.exitCode = code;
  }

  protected override async catch(err: Error): Promise<void> {
    if (err instanceof Errors.ExitError) throw err;
    // The reader of our output went away (`berth save IMAGE | head -c 100`): docker, a Go program,
    // dies of SIGPIPE there without a word, and the shell sees 128+13.
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
      process.exitCode = 141;
      return;
    }
    if (this.interruptedBy !== undefined) {
      process.exitCode = 128 + this.interruptedBy;
      return;
    }
    const command = `berth ${(this.id ?? '').replace(/:/g, ' ')}`;
    const ownFlags = (this.constructor as typeof BerthCommand).flags ?? {};
    const countMessage = argCountMessage(err, command, Object.keys(ownFlags).length > 0);
    if (countMessage !== undefined) {
      process.stderr.write(countMessage);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`Error: ${firstLine(err)}\n`);
    // oclif's parse errors are CLIErrors without a berth code: bad usage, Docker's exit 125.
    if (err instanceof Errors.CLIError && !isCoded(err)) {
      process.stderr.write(`See 'berth ${(this.id ?? '').replace(/:/g, ' ')} --help'.\n`);
      process.exitCode = 125;
      return;
    }
    process.exitCode = 1;
  }
}

function isCoded(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_');
}

function firstLine(err: Error): string {
  const go = goSystemErrorText(err);
  if (go !== undefined) return go;
  const msg = err.message || String(err);
  return msg.split('\n')[0] ?? msg;
}
