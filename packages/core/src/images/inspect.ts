// `image inspect`: the Engine API's ImageInspect object, from the record and the config.
import type { ContainerConfig, ImageConfig } from '../config.js';
import type { StoreSnapshot } from '../contracts/metadata-store.js';
import { familiarString, parseNormalizedReference } from '../reference.js';
import type { FoundImage } from './lookup.js';
import { tagsOf } from './lookup.js';

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container?: string;
  ContainerConfig?: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function inspectImage(s: StoreSnapshot, found: FoundImage, config: ImageConfig, storeRoot: string): ImageInspect {
  const rec = found.record;
  const out: ImageInspect = {
    Id: rec.id,
    RepoTags: tagsOf(s, rec.id).map((t) => familiarString(parseNormalizedReference(t))),
    RepoDigests: rec.repoDigests.map((t) => familiarString(parseNormalizedReference(t))),
    Parent: rec.parent ?? '',
    // moby's image inspect: without a top-level comment, the last history entry's (a commit's -m).
    Comment: config.comment || (config.history?.[config.history.length - 1]?.comment ?? ''),
    Created: config.created ?? ZERO_TIME,
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: config.config ?? null,
    Architecture: config.architecture,
    Os: config.os,
    Size: rec.size,
    VirtualSize: rec.size,
    GraphDriver: { Name: 'berth', Data: { Root: storeRoot, Manifest: rec.manifest.digest } },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids.slice() },
    Metadata: { LastTagTime: rec.lastTagTime ?? ZERO_TIME },
  };
  // Docker shows these only when the config has them (images made by the legacy builder).
  if (config.container !== undefined) out.Container = config.container;
  if (config.container_config !== undefined) out.ContainerConfig = config.container_config;
  if (config.variant) out.Variant = config.variant;
  if (config['os.version']) out.OsVersion = config['os.version'];
  return out;
}
