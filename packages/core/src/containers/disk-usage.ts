// `system df` as dockerd answers `GET /system/df` and docker's CLI prints it: images (top-level,
// each with how many containers use it), containers with the size of their own layer, no volumes,
// no build cache (the classic builder's cache is its intermediate images, counted as images).
import type { ImageService } from '../images/image-service.js';
import type { ImageSummary } from '../images/list.js';
import { humanSize } from '../format/units.js';
import type { ContainerService } from './service.js';
import { containerSummary, type ContainerSummary } from './summary.js';

export interface SystemDiskUsage {
  /** Each layer chain once. */
  LayersSize: number;
  Images: ImageSummary[];
  Containers: ContainerSummary[];
  Volumes: never[];
  BuildCache: never[];
}

export async function systemDiskUsage(images: ImageService, containers: ContainerService | undefined, want: { images: boolean; containers: boolean } = { images: true, containers: true }): Promise<SystemDiskUsage> {
  const records = containers ? await containers.list() : [];
  const usedBy = new Map<string, number>();
  for (const c of records) usedBy.set(c.Image, (usedBy.get(c.Image) ?? 0) + 1);
  const list = want.images ? await images.list({ sharedSize: true }) : [];
  const snapshot = await images.snapshot();
  const now = new Date();
  const summaries: ContainerSummary[] = [];
  if (want.containers && containers) for (const c of records) summaries.push({ ...containerSummary(c, snapshot, now), SizeRw: await containers.sizeRw(c) });
  return {
    LayersSize: (await images.diskUsage()).layersSize,
    Images: list.map((i) => ({ ...i, Containers: usedBy.get(i.Id) ?? 0 })),
    Containers: summaries,
    Volumes: [],
    BuildCache: [],
  };
}

/** One row of docker's `system df` table (a type, so it is a plain record for the formatter). */
export type DiskUsageRow = {
  Type: string;
  TotalCount: string;
  Active: string;
  Size: string;
  Reclaimable: string;
};

/** `SIZE (PCT%)` as docker's formatter writes a reclaimable amount; just the size when the total is 0. */
function reclaimable(amount: number, total: number): string {
  return total > 0 ? `${humanSize(amount)} (${Math.floor((amount * 100) / total)}%)` : humanSize(amount);
}

/** docker/cli's disk usage formatter (cli/command/formatter/disk_usage.go), row by row. */
export function diskUsageRows(u: SystemDiskUsage): DiskUsageRow[] {
  // An image's bytes are in use when a container stands on it, less what it shares with others.
  let used = 0;
  for (const i of u.Images) if (i.Containers > 0 && i.Size !== -1 && i.SharedSize !== -1) used += i.Size - i.SharedSize;
  const rw = (c: ContainerSummary): number => c.SizeRw ?? 0;
  const containersSize = u.Containers.reduce((s, c) => s + rw(c), 0);
  const stoppedSize = u.Containers.filter((c) => c.State !== 'running').reduce((s, c) => s + rw(c), 0);
  return [
    { Type: 'Images', TotalCount: String(u.Images.length), Active: String(u.Images.filter((i) => i.Containers > 0).length), Size: humanSize(u.LayersSize), Reclaimable: reclaimable(u.LayersSize - used, u.LayersSize) },
    { Type: 'Containers', TotalCount: String(u.Containers.length), Active: String(u.Containers.filter((c) => c.State === 'running').length), Size: humanSize(containersSize), Reclaimable: reclaimable(stoppedSize, containersSize) },
    { Type: 'Local Volumes', TotalCount: '0', Active: '0', Size: humanSize(0), Reclaimable: humanSize(0) },
    { Type: 'Build Cache', TotalCount: '0', Active: '0', Size: humanSize(0), Reclaimable: humanSize(0) },
  ];
}
