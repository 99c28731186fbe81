// What `ps` shows of a container, as moby's daemon computes it (container/state.go String,
// daemon/list.go Command) and docker/cli's container formatter prints it.
import type { ContainerRecord } from '../contracts/containers.js';
import { familiarString, parseNormalizedReference } from '../reference.js';
import { humanDuration, truncateId } from '../format/units.js';
import { isGoZeroTime, parseRFC3339 } from './time.js';

/** State.String(): `Up 3 seconds`, `Exited (0) 5 seconds ago`, `Created`. */
export function containerStatus(c: ContainerRecord, now: Date = new Date()): string {
  const s = c.State;
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${humanDuration(now.getTime() - parseRFC3339(s.FinishedAt).getTime())} ago`;
  if (s.Running) return `Up ${humanDuration(now.getTime() - parseRFC3339(s.StartedAt).getTime())}${s.Paused ? ' (Paused)' : ''}`;
  if (s.Status === 'removing') return 'Removal In Progress';
  if (isGoZeroTime(s.StartedAt)) return 'Created';
  if (isGoZeroTime(s.FinishedAt)) return '';
  return `Exited (${s.ExitCode}) ${humanDuration(now.getTime() - parseRFC3339(s.FinishedAt).getTime())} ago`;
}

/** The daemon's Command: Path, then the arguments, those with a space in single quotes. */
export function containerCommand(c: ContainerRecord): string {
  if (c.Args.length === 0) return c.Path;
  return `${c.Path} ${c.Args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/**
 * The IMAGE column: the name as typed, shown as docker's CLI shortens it (`busybox:latest` stays
 * `busybox:latest`, `docker.io/library/busybox` becomes `busybox`); the short ID when the name
 * now points at another image (`current` is that image's ID, undefined when the name is gone).
 */
export function containerImageColumn(c: ContainerRecord, current: string | undefined, trunc: boolean): string {
  let image = c.Config.Image ?? '';
  if (image !== c.Image && current !== c.Image) image = c.Image;
  if (image === '') return '<no image>';
  if (!trunc) return image;
  if (truncateId(c.Image) === truncateId(image)) return truncateId(image);
  try {
    const ref = parseNormalizedReference(image);
    // Digests are dropped; a tag stays.
    return familiarString(ref.tag ? { domain: ref.domain, path: ref.path, tag: ref.tag } : { domain: ref.domain, path: ref.path });
  } catch {
    return image;
  }
}
