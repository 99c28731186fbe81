// `-d` and `start`: the container's process must outlive the command, so a detached berth process
// (the hidden `container-monitor` command, in its own session) runs it and keeps its record.
import { spawn } from 'node:child_process';
import { BerthError, type ContainerService } from '@berth/core';

export function spawnMonitor(id: string, root: string): void {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot find berth\'s entry script to start the container monitor');
  const child = spawn(process.execPath, [entry, 'container-monitor', id, '--root', root], { detached: true, stdio: 'ignore', env: process.env });
  child.unref();
}

/** Starts a stopped container in the background (`start`, `restart`); resolves once it runs, or says why it could not. */
export async function startDetached(containers: ContainerService, id: string, root: string): Promise<void> {
  await containers.markStarting(id);
  spawnMonitor(id, root);
  const settled = await containers.waitStarted(id, 30_000);
  if (!settled.State.Running && settled.State.Error) throw new BerthError('ERR_INVALID_ARGUMENT', settled.State.Error);
}
