import { Args, Flags } from '@oclif/core';
import type { StatsRow } from '@berth/core';
import { BerthCommand } from '../base-command.js';

/** docker's stats table (cli/command/container/formatter_stats.go). */
const STATS_FORMAT = {
  defaultTableFormat: 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}',
  headers: { ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS' },
  toTemplateData: (row: StatsRow) => ({ ...row }),
  typeName: '*formatter.statsContext',
};

export default class Stats extends BerthCommand {
  static override summary = 'Display a live stream of container(s) resource usage statistics';
  static override aliases = ['container:stats'];
  static override strict = false;
  static override usage = 'stats [OPTIONS] [CONTAINER...]';
  static override examples = ['<%= config.bin %> stats --no-stream', '<%= config.bin %> stats web --format "{{.Name}} {{.CPUPerc}} {{.MemUsage}}"'];
  static override args = { containers: Args.string({ description: 'CONTAINER', required: false }) };
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all containers (default shows just running)' }),
    'no-stream': Flags.boolean({ description: 'Disable streaming stats and only pull the first result' }),
    'no-trunc': Flags.boolean({ description: 'Do not truncate output' }),
    format: Flags.string({ description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Stats);
    const containers = await this.containers(flags.root);
    const named = argv as string[];
    const targets = named.length > 0 ? named : (await containers.list()).filter((c) => flags.all || c.State.Running).map((c) => c.Id);
    const rows = new Map<string, StatsRow>();
    const { renderList, statsRow, emptyDockerStats } = await import('@berth/core');
    const render = (): string => renderList(targets.map((t) => rows.get(t) ?? statsRow(emptyDockerStats('', ''), t, flags['no-trunc'])), flags.format ?? '', STATS_FORMAT);
    const stream = !flags['no-stream'];
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    const follow = async (name: string): Promise<void> => {
      for await (const s of containers.stats(name, { stream, signal: stop.signal })) rows.set(name, statsRow(s, name, flags['no-trunc']));
    };
    try {
      if (!stream) {
        await Promise.all(targets.map(follow));
        return void process.stdout.write(render());
      }
      // As docker: the screen is cleared and the table drawn again every second.
      const following = Promise.all(targets.map((t) => follow(t).catch(() => undefined)));
      const draw = (): void => void process.stdout.write(`\x1b[2J\x1b[H${render()}`);
      const timer = setInterval(draw, 1000);
      await Promise.race([following, new Promise((resolve) => stop.signal.addEventListener('abort', resolve))]);
      clearInterval(timer);
      draw();
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  }
}
