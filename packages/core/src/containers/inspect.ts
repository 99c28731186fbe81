// A container record in docker's inspect shape (`berth inspect`, the Engine API's
// /containers/{id}/json): dockerd's keys in dockerd's order, as far as berth can say them truly.
// Left out: the paths of the runtime's /etc files and its storage driver, which only the runtime
// knows; the server adds the driver it reports.
import type { ContainerConfig } from '../config.js';
import type { ContainerHostConfig, ContainerRecord, ContainerState, RestartPolicy } from '../contracts/containers.js';
import { containerMounts, type ContainerMount } from './summary.js';

/** moby's EndpointSettings of a container on the host or no network: nothing is assigned. */
function emptyEndpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
  };
}

/** moby's NetworkSettings for `--network host|none` (berth has no other): empty, with the one network named. */
function containerNetworkSettings(mode: ContainerHostConfig['NetworkMode']): Record<string, unknown> {
  return {
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: {}, SandboxKey: '',
    SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '',
    Networks: { [mode]: emptyEndpoint() },
  };
}

export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: Omit<Required<ContainerState>, 'ManuallyStopped'> & { OOMKilled: false; Dead: false };
  Image: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver?: string;
  Platform: 'linux';
  MountLabel: '';
  ProcessLabel: '';
  AppArmorProfile: '';
  /** berth does not list a container's exec sessions. */
  ExecIDs: null;
  HostConfig: {
    Binds: string[] | null;
    LogConfig: { Type: 'json-file'; Config: Record<string, never> };
    NetworkMode: ContainerHostConfig['NetworkMode'];
    RestartPolicy: RestartPolicy;
    AutoRemove: boolean;
    ReadonlyRootfs: boolean;
    Memory: number;
    NanoCpus: number;
  };
  Mounts: ContainerMount[];
  Config: ContainerConfig;
  NetworkSettings: Record<string, unknown>;
}

/** `driver`: the storage driver's name, for a caller that knows it (put where dockerd puts it). */
export function containerInspect(c: ContainerRecord, driver?: string): ContainerInspect {
  const s = c.State;
  const h = c.HostConfig;
  return {
    Id: c.Id,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: { Status: s.Status, Running: s.Running, Paused: s.Paused ?? false, Restarting: s.Restarting ?? false, OOMKilled: false, Dead: false, Pid: s.Pid, ExitCode: s.ExitCode, Error: s.Error, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt },
    Image: c.Image,
    LogPath: c.LogPath,
    Name: c.Name,
    RestartCount: c.RestartCount ?? 0,
    ...(driver !== undefined ? { Driver: driver } : {}),
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      // moby keeps no binds as null.
      Binds: h.Binds.length > 0 ? h.Binds : null,
      // Every container logs to docker's json-file format (see json-log.ts).
      LogConfig: { Type: 'json-file', Config: {} },
      NetworkMode: h.NetworkMode,
      RestartPolicy: h.RestartPolicy ?? { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: h.AutoRemove,
      ReadonlyRootfs: h.ReadonlyRootfs ?? false,
      Memory: h.Memory ?? 0,
      NanoCpus: h.NanoCpus ?? 0,
    },
    Mounts: containerMounts(c),
    Config: c.Config,
    NetworkSettings: containerNetworkSettings(h.NetworkMode),
  };
}
