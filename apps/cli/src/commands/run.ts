import { Flags } from '@oclif/core';
import Create from './create.js';
import { storeRoot } from '../store-root.js';

export default class Run extends Create {
  static override summary = 'Create and run a new container from an image';
  static override aliases = ['container:run'];
  // oclif reads these from the command's own class.
  static override strict = false;
  static override args = { ...Create.args };
  static override usage = 'run [OPTIONS] IMAGE [COMMAND] [ARG...]';
  static override examples = [
    "<%= config.bin %> run --rm busybox sh -c 'echo hello > /f'",
    '<%= config.bin %> run -d --name web -v /srv/www:/www:ro busybox httpd -f -h /www',
    '<%= config.bin %> run -it --rm -e TERM=xterm -w /tmp -u nobody busybox sh',
  ];
  static override flags = {
    ...Create.flags,
    detach: Flags.boolean({ char: 'd', description: 'Run container in background and print container ID' }),
  };

  override async run(): Promise<void> {
    const { image, flags, command } = await this.parseOptions(Run);
    if (flags.tty && flags.interactive && !flags.detach && !process.stdin.isTTY) {
      const { BerthError } = await import('@berth/core');
      throw new BerthError('ERR_INVALID_ARGUMENT', 'the input device is not a TTY');
    }
    const { rec, containers } = await this.createContainer(image, flags, command, flags.detach);
    if (flags.detach) {
      const { spawnMonitor } = await import('../containers/monitor.js');
      spawnMonitor(rec.Id, storeRoot(flags.root));
      // The monitor marks the container running once its process runs, or exited with the reason.
      const settled = await containers.waitStarted(rec.Id, 30_000);
      if (!settled.State.Running && settled.State.Error) {
        this.errLine(`Error: ${settled.State.Error}`);
        process.exitCode = settled.State.ExitCode || 125;
        return;
      }
      this.out(rec.Id);
      return;
    }
    await this.runAttachedHere(containers, rec.Id, flags.interactive);
    // As with dockerd, the command returns at the first exit while the restart policy goes on:
    // here a background monitor takes the container over.
    const { restartWanted } = await import('@berth/core');
    const after = await containers.store.get(rec.Id);
    const policy = after?.HostConfig.RestartPolicy;
    if (after && policy && !after.State.ManuallyStopped && restartWanted(policy, after.State.ExitCode, 0)) {
      const { startDetached } = await import('../containers/monitor.js');
      await startDetached(containers, rec.Id, storeRoot(flags.root)).catch(() => undefined);
    }
  }
}
