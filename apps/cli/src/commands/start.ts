import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { storeRoot } from '../store-root.js';

export default class Start extends BerthCommand {
  static override summary = 'Start one or more stopped containers';
  static override aliases = ['container:start'];
  static override strict = false;
  static override examples = ['<%= config.bin %> start web', '<%= config.bin %> start -a job'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    attach: Flags.boolean({ char: 'a', description: 'Attach STDOUT/STDERR and forward signals' }),
    interactive: Flags.boolean({ char: 'i', description: "Attach container's STDIN" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Start);
    const names = argv as string[];
    const containers = await this.containers(flags.root);
    const { BerthError } = await import('@berth/core');
    if (flags.attach || flags.interactive) {
      if (names.length > 1) throw new BerthError('ERR_INVALID_ARGUMENT', 'you cannot start and attach multiple containers at once');
      const rec = await containers.find(names[0]!);
      if (rec.State.Running) throw new BerthError('ERR_CONTAINER_CONFLICT', `container ${rec.Id} is already running`);
      const { proxySignals } = await import('../containers/signals.js');
      const stop = proxySignals((sig) => void containers.kill(rec.Id, sig).catch(() => {}));
      try {
        process.exitCode = await containers.runAttached(rec.Id, {
          ...(flags.interactive ? { stdin: process.stdin } : {}),
          stdout: process.stdout,
          stderr: process.stderr,
        });
      } catch (err) {
        const code = (err as { exitCode?: unknown }).exitCode;
        if (typeof code !== 'number') throw err;
        this.errLine(`Error: ${(err as Error).message}`);
        process.exitCode = code;
      } finally {
        stop();
        if (flags.interactive) process.stdin.destroy();
      }
      return;
    }
    const { spawnMonitor } = await import('../containers/monitor.js');
    let failed = false;
    for (const name of names) {
      try {
        const rec = await containers.find(name);
        // Starting a running container is a no-op, as in docker.
        if (!rec.State.Running) {
          await containers.store.update(rec.Id, (c) => {
            c.State.Status = 'created';
          });
          spawnMonitor(rec.Id, storeRoot(flags.root));
          const settled = await containers.waitStarted(rec.Id, 30_000);
          if (!settled.State.Running && settled.State.Error) throw new BerthError('ERR_INVALID_ARGUMENT', settled.State.Error);
        }
        this.out(name);
      } catch (err) {
        if (!(err as { code?: string }).code?.startsWith('ERR_')) throw err;
        this.errLine(`Error: ${(err as Error).message}`);
        failed = true;
      }
    }
    if (failed) process.exitCode = 1;
  }
}
