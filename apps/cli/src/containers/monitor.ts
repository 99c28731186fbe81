// `-d` and `start`: the container's process must outlive the command, so a detached berth process
// (the hidden `container-monitor` command, in its own session) runs it and keeps its record.
import { spawn } from 'node:child_process';

export function spawnMonitor(id: string, root: string): void {
  const entry = process.argv[1];
  if (!entry) throw new Error('cannot find berth\'s entry script to start the container monitor');
  const child = spawn(process.execPath, [entry, 'container-monitor', id, '--root', root], { detached: true, stdio: 'ignore', env: process.env });
  child.unref();
}
