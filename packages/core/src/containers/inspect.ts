// A container record in docker's inspect shape (`berth inspect`, the Engine API's
// /containers/{id}/json), with the state flags berth never sets.
import type { ContainerRecord } from '../contracts/containers.js';

export function containerInspect(c: ContainerRecord): Record<string, unknown> {
  return {
    Id: c.Id,
    Created: c.Created,
    Path: c.Path,
    Args: c.Args,
    State: { Status: c.State.Status, Running: c.State.Running, Paused: c.State.Paused ?? false, Restarting: c.State.Restarting ?? false, OOMKilled: false, Dead: false, Pid: c.State.Pid, ExitCode: c.State.ExitCode, Error: c.State.Error, StartedAt: c.State.StartedAt, FinishedAt: c.State.FinishedAt },
    Image: c.Image,
    LogPath: c.LogPath,
    Name: c.Name,
    RestartCount: c.RestartCount ?? 0,
    HostConfig: c.HostConfig,
    Config: c.Config,
  };
}
