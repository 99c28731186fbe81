import { Args, Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';

export default class Logs extends BerthCommand {
  static override summary = 'Fetch the logs of a container';
  static override aliases = ['container:logs'];
  static override examples = ['<%= config.bin %> logs web', '<%= config.bin %> logs -t --tail 5 web', '<%= config.bin %> logs -f web', '<%= config.bin %> logs --since 10m --until 2026-11-29T04:00:00Z web'];
  static override args = { container: Args.string({ description: 'CONTAINER', required: true }) };
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Follow log output' }),
    timestamps: Flags.boolean({ char: 't', description: 'Show timestamps' }),
    tail: Flags.string({ char: 'n', description: 'Number of lines to show from the end of the logs', default: 'all' }),
    since: Flags.string({ description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' }),
    until: Flags.string({ description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const tail = flags.tail === 'all' ? undefined : Number.parseInt(flags.tail, 10);
    const { logTimeBound } = await import('@berth/core');
    const now = Date.now();
    const since = flags.since === undefined ? undefined : logTimeBound('since', flags.since, now);
    const until = flags.until === undefined ? undefined : logTimeBound('until', flags.until, now);
    const containers = await this.containers(flags.root);
    await containers.logs(args.container, { stdout: process.stdout, stderr: process.stderr }, {
      timestamps: flags.timestamps,
      follow: flags.follow,
      ...(tail !== undefined && tail >= 0 ? { tail } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    });
  }
}
