// The store's cross-process lock: proper-lockfile's mkdir lock on `berth/lock`, refreshed while
// held, taken over when stale (its holder was killed), plus an in-process queue so we never poll ourselves.
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { BerthError, fromSystemError } from '@berth/core';

export interface LockOptions {
  /** Give up with ERR_STORE_LOCKED after this long (default 30 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long belongs to a dead process (default 10 s, minimum 2 s). */
  staleMs?: number;
}

export interface HeldLock {
  /** Throws ERR_STORE_LOCKED when the lock was lost (stolen as stale): check before committing. */
  assertHeld(): void;
  release(): Promise<void>;
}

// One chain per lock path: callers in this process wait their turn here instead of polling the disk.
const queues = new Map<string, Promise<void>>();

export async function withStoreLock<T>(lockPath: string, options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const previous = queues.get(lockPath) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(lockPath, tail);
  try {
    await previous;
    const lock = await acquire(lockPath, options);
    try {
      return await fn(lock);
    } finally {
      await lock.release();
    }
  } finally {
    done();
    if (queues.get(lockPath) === tail) queues.delete(lockPath);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const stale = Math.max(options.staleMs ?? 10_000, 2_000);
  const deadline = Date.now() + timeoutMs;
  let compromised: Error | undefined;
  let delay = 5;
  for (;;) {
    try {
      const release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale,
        retries: 0,
        // The default throws from a timer and kills the process; we refuse to commit instead.
        onCompromised: (err) => {
          compromised = err;
        },
      });
      return {
        assertHeld() {
          if (compromised) {
            throw new BerthError('ERR_STORE_LOCKED', `lost the store lock ${lockPath}: ${compromised.message}`, { cause: compromised });
          }
        },
        async release() {
          await release().catch(() => {}); // a compromised lock is no longer ours to remove
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw fromSystemError(err, `taking the store lock ${lockPath}`);
      if (Date.now() >= deadline) {
        throw new BerthError(
          'ERR_STORE_LOCKED',
          `the store is locked by another berth process (${lockPath}); waited ${Math.round(timeoutMs / 1000)} s`,
          { cause: err },
        );
      }
      // Backoff with jitter so two waiting processes do not retry in lockstep.
      await sleep(Math.min(delay, Math.max(deadline - Date.now(), 0)) * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 200);
    }
  }
}
