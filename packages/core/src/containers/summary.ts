// A container as the Engine API lists it (moby's ContainerSummary: `GET /containers/json`, and the
// Containers of `GET /system/df`), from its record and the store's images.
import type { ContainerRecord } from '../contracts/containers.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import { findImage } from '../images/lookup.js';
import { parseBind } from './create.js';
import { containerCommand, containerImageColumn, containerStatus } from './status.js';
import { parseRFC3339 } from './time.js';

export interface ContainerMount {
  Type: 'bind';
  Source: string;
  Destination: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: never[];
  Labels: Record<string, string>;
  State: string;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, never> };
  Mounts: ContainerMount[];
  /** Bytes of the container's own layer, when asked for (`size`, system df). */
  SizeRw?: number;
  /** SizeRw plus the image's bytes, when asked for (`size`). */
  SizeRootFs?: number;
}

export function containerMounts(c: ContainerRecord): ContainerMount[] {
  return c.HostConfig.Binds.map((b) => {
    const m = parseBind(b);
    return { Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.readonly ? 'ro' : '', RW: !m.readonly, Propagation: 'rprivate' };
  });
}

export function containerSummary(c: ContainerRecord, snapshot: StoreSnapshot, now: Date = new Date()): ContainerSummary {
  let current: string | undefined;
  try {
    current = c.Config.Image ? findImage(snapshot, c.Config.Image).record.id : undefined;
  } catch {
    current = undefined;
  }
  return {
    Id: c.Id,
    Names: [c.Name],
    // The name as given while it still names the container's image, its ID otherwise (moby's list).
    Image: containerImageColumn(c, current, false),
    ImageID: c.Image,
    Command: containerCommand(c),
    Created: Math.floor(parseRFC3339(c.Created).getTime() / 1000),
    Ports: [],
    Labels: c.Config.Labels ?? {},
    State: c.State.Status,
    Status: containerStatus(c, now),
    HostConfig: { NetworkMode: c.HostConfig.NetworkMode },
    NetworkSettings: { Networks: {} },
    Mounts: containerMounts(c),
  };
}
