import { Flags } from '@oclif/core';
import { BerthCommand } from '../base-command.js';
import { ellipsis, formatList } from '../output/render.js';

export default class Ps extends BerthCommand {
  static override summary = 'List containers';
  static override aliases = ['container:ls', 'container:list', 'container:ps'];
  static override examples = ['<%= config.bin %> ps', '<%= config.bin %> ps -a', '<%= config.bin %> ps -aq', '<%= config.bin %> ps -f status=exited -f name=web', '<%= config.bin %> ps --format "{{.Names}}\\t{{.Status}}"'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all containers (default shows just running)' }),
    quiet: Flags.boolean({ char: 'q', description: 'Only display container IDs' }),
    format: Flags.string({ description: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template" }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    last: Flags.integer({ char: 'n', description: 'Show n last created containers (includes all states)', default: -1 }),
    latest: Flags.boolean({ char: 'l', description: 'Show the latest created container (includes all states)' }),
    size: Flags.boolean({ char: 's', description: 'Display total file sizes' }),
    filter: Flags.string({ char: 'f', description: 'Filter output based on conditions provided (id, name, label, exited, status, ancestor, before, since, network, volume)', multiple: true, multipleNonGreedy: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ps);
    const containers = await this.containers(flags.root);
    const { containerCommand, containerImageColumn, containerStatus, truncateId, humanDuration, humanSizeWithPrecision, formatGoTime, parseRFC3339, findImage, goQuote, containerFilter } = await import('@berth/core');
    const all = await containers.list();
    const snapshot = await containers.images.snapshot();
    const filter = containerFilter(flags.filter ?? [], all, snapshot);
    let list = all.filter((c) => filter.matches(c));
    const last = flags.latest ? 1 : flags.last;
    // -n and -l look at every container, as docker's do; a status filter too; otherwise only running ones unless -a.
    if (last > 0) list = list.slice(0, last);
    else if (!flags.all && !filter.showsAll) list = list.filter((c) => c.State.Running);
    const current = (name: string | undefined): string | undefined => {
      if (!name) return undefined;
      try {
        return findImage(snapshot, name).record.id;
      } catch {
        return undefined;
      }
    };
    const trunc = !flags['no-trunc'];
    const now = new Date();
    // As docker's CLI: sizes are measured when asked for, or when the template shows them.
    const withSize = flags.size || (flags.format ?? '').includes('.Size');
    const sizes = new Map<string, { SizeRw: number; SizeRootFs: number }>();
    if (withSize) for (const c of list) sizes.set(c.Id, await containers.sizes(c, snapshot));
    const sizeColumn = (id: string): string => {
      const s = sizes.get(id);
      if (!s) return '0B';
      const rw = humanSizeWithPrecision(s.SizeRw, 3);
      return s.SizeRootFs > 0 ? `${rw} (virtual ${humanSizeWithPrecision(s.SizeRootFs, 3)})` : rw;
    };
    const rows = list.map((c) => {
      const created = parseRFC3339(c.Created);
      const command = containerCommand(c);
      return {
        ID: trunc ? truncateId(c.Id) : c.Id,
        Image: containerImageColumn(c, current(c.Config.Image), trunc),
        Command: () => goQuote(trunc ? ellipsis(command, 20) : command),
        CreatedAt: () => formatGoTime(new Date(Math.floor(created.getTime() / 1000) * 1000)),
        RunningFor: () => `${humanDuration(now.getTime() - Math.floor(created.getTime() / 1000) * 1000)} ago`,
        // Docker lists ports only for bridge networks; with host or none (all berth has) it is empty.
        Ports: '',
        State: c.State.Status,
        Status: containerStatus(c, now),
        Size: sizeColumn(c.Id),
        Names: c.Name.replace(/^\//, ''),
        Labels: Object.entries(c.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        Mounts: c.HostConfig.Binds.map((b) => b.split(':')[0]).join(','),
        Networks: c.HostConfig.NetworkMode,
        LocalVolumes: '0',
      };
    });
    process.stdout.write(formatList(rows, {
      defaultFormat: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}${flags.size ? '\t{{.Size}}' : ''}`,
      headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', LocalVolumes: 'LOCAL VOLUMES' },
      typeName: '*formatter.ContainerContext',
    }, { format: flags.format, quiet: flags.quiet }));
  }
}
