// Runs podman (containers/image + containers/storage) as an interop peer, with a storage root of
// its own so a test never touches the machine's /var/lib/containers.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePeer } from './require-peer.js';
import { run, type RunOptions, type RunResult } from './run.js';

export interface PodmanPeer {
  podman(args: string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function startPodman(): Promise<PodmanPeer> {
  const bin = requirePeer('podman');
  const dir = await mkdtemp(join(tmpdir(), 'berth-podman-'));
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
  return {
    podman: (args, options) => run(bin, [...base, ...args], options),
    cleanup: async () => {
      // Layers podman unpacked may carry read-only modes; podman itself removes its store.
      await run(bin, [...base, 'system', 'reset', '--force']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
