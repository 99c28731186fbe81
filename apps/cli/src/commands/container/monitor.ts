import { Args } from '@oclif/core';
import { BerthCommand } from '../../base-command.js';

/** The detached process behind `run -d` and `start`: runs the container to its end, keeps its record. */
export default class ContainerMonitor extends BerthCommand {
  static override hidden = true;
  static override summary = "Run a container's process and record its end (started by run -d and start)";
  static override args = { id: Args.string({ required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ContainerMonitor);
    const containers = await this.containers(flags.root);
    // `berth stop` signals the container, not us; a stray SIGHUP from a closing terminal is ignored.
    process.on('SIGHUP', () => {});
    // Its restart policy is kept here too: this process outlives the command that started it.
    await containers.runWithRestarts(args.id).catch(() => {
      // The failure is in the record (State.Error); nobody reads our stderr.
      process.exitCode = 1;
    });
  }
}
