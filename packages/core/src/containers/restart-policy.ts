// `--restart`: moby's restart manager. A container that ends starts again under `always` and
// `unless-stopped`, or under `on-failure` after a non-zero exit up to MaximumRetryCount — never
// after `stop` (or a kill with SIGKILL or the stop signal). Between runs it is Restarting and
// waits 100 ms, doubling up to a minute, back to 100 ms after a run of 10 s or more.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RestartPolicy } from '../contracts/containers.js';
import type { AttachIO, ContainerService } from './service.js';

/** Whether a container that ended with `code` starts again under `policy`. */
export function restartWanted(policy: RestartPolicy, code: number, restartsSoFar: number): boolean {
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return code !== 0 && (policy.MaximumRetryCount === 0 || restartsSoFar < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** The wait before the next start: 100 ms, doubled each time up to a minute, reset by a long run. */
function nextBackoff(previousMs: number, ranMs: number): number {
  return ranMs >= 10_000 || previousMs === 0 ? 100 : Math.min(previousMs * 2, 60_000);
}

export interface RestartHooks {
  io?: AttachIO;
  signal?: AbortSignal;
  /** Every end, with whether a restart follows. */
  exited?: (code: number, restarting: boolean) => void;
  /** Each start the policy makes. */
  restarted?: () => void;
}

/** What the restart loop needs of the container service. */
export type RestartRunner = Pick<ContainerService, 'store' | 'runAttached'>;

export async function runWithRestartPolicy(containers: RestartRunner, id: string, hooks: RestartHooks = {}): Promise<number> {
  const { store } = containers;
  const { signal } = hooks;
  // A start by hand (run, start) is not a stop by hand any more.
  await store.update(id, (c) => {
    c.State = { ...c.State, ManuallyStopped: false };
    c.RestartCount = 0;
  });
  let backoff = 0;
  for (let restart = false; ; restart = true) {
    const began = Date.now();
    let code: number;
    let failure: unknown;
    try {
      code = await containers.runAttached(id, hooks.io, signal, { restart });
    } catch (err) {
      failure = err;
      code = typeof (err as { exitCode?: unknown }).exitCode === 'number' ? (err as { exitCode: number }).exitCode : 125;
    }
    const rec = await store.get(id);
    const policy = rec?.HostConfig.RestartPolicy;
    const again = rec !== undefined && !signal?.aborted && !rec.State.ManuallyStopped && policy !== undefined && restartWanted(policy, code, rec.RestartCount ?? 0);
    hooks.exited?.(code, again);
    if (!again) {
      if (failure) throw failure;
      return code;
    }
    backoff = nextBackoff(backoff, Date.now() - began);
    await store.update(id, (c) => {
      c.State = { ...c.State, Status: 'restarting', Running: true, Restarting: true, Pid: process.pid };
      c.RestartCount = (c.RestartCount ?? 0) + 1;
    });
    // A stop while waiting ends it: checked every 100 ms, and once more at the end. From then on
    // the container is still Restarting (and so Running) until the process runs, so a later stop
    // is seen by runAttached, never lost in between.
    for (let waited = 0; ; waited += 100) {
      const now = await store.get(id);
      if (!now || now.State.ManuallyStopped || signal?.aborted) {
        if (now) await store.update(id, (c) => {
          c.State = { ...c.State, Status: 'exited', Running: false, Restarting: false, Pid: 0 };
        });
        return code;
      }
      if (waited >= backoff) break;
      await sleep(Math.min(100, backoff - waited));
    }
    hooks.restarted?.();
  }
}
