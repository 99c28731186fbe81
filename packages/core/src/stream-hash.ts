// Hashing streams off the main thread. A pull hashes every layer twice (the blob, then its
// uncompressed tar for the diffID): a third of the main thread's CPU while the second core idles.
// A stream's first MiB is only held; a stream that ends there is hashed in place and never wakes
// the worker. Longer ones travel to one shared worker thread in 1 MiB buffers that are
// transferred there and back, so each byte costs one copy and no allocation.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BerthError } from './errors.js';

export type HashAlgorithm = 'sha256' | 'sha512';

const BATCH = 1 << 20;
/** Buffers at the worker at once: past this a stream waits, so memory stays bounded. */
const MAX_IN_FLIGHT = 4;
/** Returned buffers kept for reuse. */
const MAX_FREE = 16;

// CommonJS run by the worker (eval: no file to find next to a bundle). Every buffer goes back.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash(m.alg)));
    h.update(new Uint8Array(m.buf, 0, m.n));
    parentPort.postMessage({ op: 'free', buf: m.buf }, [m.buf]);
  } else if (m.op === 'end') {
    const h = hashes.get(m.id) ?? createHash(m.alg);
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: h.digest('hex') });
  } else if (m.op === 'drop') {
    hashes.delete(m.id);
  }
});
`;

type WorkerReply = { op: 'free'; buf: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

class HashWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private open = 0;
  private referenced = false;
  private inFlight = 0;
  private readonly free: ArrayBuffer[] = [];
  private readonly bufferWaiters: (() => void)[] = [];
  private readonly digests = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;

  constructor(private readonly onGone: () => void) {
    // No inherited flags: under --input-type=module the source would be read as ESM.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.on('message', (m: WorkerReply) => this.receive(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the hashing thread exited (${code})`)));
    // After the listeners: adding a 'message' listener refs the worker's port again, and a stream
    // dropped before its first buffer was sent then held the process open for good.
    this.worker.unref();
  }

  private receive(m: WorkerReply): void {
    if (m.op === 'free') {
      this.inFlight--;
      if (this.free.length < MAX_FREE) this.free.push(m.buf);
      // Every waiter tries again (one may have been dropped meanwhile; the others wait anew).
      for (const wake of this.bufferWaiters.splice(0)) wake();
    } else {
      const waiter = this.digests.get(m.id);
      this.digests.delete(m.id);
      this.open--;
      waiter?.resolve(m.hex);
    }
    this.refWhileAwaited();
  }

  /**
   * The thread keeps the process alive only while an answer is awaited from it: a stream that
   * was dropped without being ended or destroyed must not hold a CLI open.
   */
  private refWhileAwaited(): void {
    const awaited = this.inFlight > 0 || this.digests.size > 0;
    if (awaited === this.referenced) return;
    this.referenced = awaited;
    if (awaited) this.worker.ref();
    else this.worker.unref();
  }

  private fail(cause: Error): void {
    if (this.failure) return;
    this.failure = new BerthError('ERR_IO', `hashing thread failed: ${cause.message}`, { cause });
    this.onGone();
    for (const w of this.digests.values()) w.reject(this.failure);
    this.digests.clear();
    for (const wake of this.bufferWaiters.splice(0)) wake();
  }

  load(): { open: number; inFlight: number } {
    return { open: this.open, inFlight: this.inFlight };
  }

  openHash(): number {
    if (this.failure) throw this.failure;
    this.open++;
    return this.nextId++;
  }

  buffer(): ArrayBuffer {
    return this.free.pop() ?? new ArrayBuffer(BATCH);
  }

  /** Sends `n` bytes of `buf` (which is gone afterwards); false, sending nothing, while the worker is behind. */
  trySend(id: number, alg: HashAlgorithm, buf: ArrayBuffer, n: number): boolean {
    if (this.failure) throw this.failure;
    if (this.inFlight >= MAX_IN_FLIGHT) return false;
    this.inFlight++;
    this.worker.postMessage({ op: 'update', id, alg, buf, n }, [buf]);
    this.refWhileAwaited();
    return true;
  }

  /** Resolves once a buffer came back (or the worker failed: the next trySend throws). */
  slot(): Promise<void> {
    if (this.failure || this.inFlight < MAX_IN_FLIGHT) return Promise.resolve();
    return new Promise<void>((wake) => this.bufferWaiters.push(wake));
  }

  finish(id: number, alg: HashAlgorithm): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.digests.set(id, { resolve, reject });
      this.worker.postMessage({ op: 'end', id, alg });
      this.refWhileAwaited();
    });
  }

  drop(id: number, buf: ArrayBuffer | undefined): void {
    if (buf && this.free.length < MAX_FREE) this.free.push(buf);
    if (this.failure) return;
    this.worker.postMessage({ op: 'drop', id });
    this.open--;
  }
}

let shared: HashWorker | undefined;

/** What the hashing thread holds now: streams open on it and buffers it has not given back. */
export function hashThreadLoad(): { open: number; inFlight: number } {
  return shared ? shared.load() : { open: 0, inFlight: 0 };
}
function hashWorker(): HashWorker {
  shared ??= new HashWorker(() => (shared = undefined));
  return shared;
}

/**
 * A digest fed piece by piece. `update` may ask the caller to wait (the worker is behind); pieces
 * must not be changed after they are given (streams never do).
 */
export class StreamHash {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private remote: { worker: HashWorker; id: number; buf: ArrayBuffer; fill: number } | undefined;
  private done = false;
  private aborted = false;

  constructor(readonly algorithm: HashAlgorithm = 'sha256') {}

  update(chunk: Buffer): Promise<void> | undefined {
    if (!this.remote) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes < BATCH) return undefined;
      const worker = hashWorker();
      this.remote = { worker, id: worker.openHash(), buf: worker.buffer(), fill: 0 };
      const held = this.held;
      this.held = [];
      return this.copyAll(held, 0);
    }
    return this.copyAll([chunk], 0);
  }

  /** Copies pieces into the current buffer and sends each buffer that fills; sync unless a send must wait. */
  private copyAll(pieces: Buffer[], from: number): Promise<void> | undefined {
    const r = this.remote!;
    for (let i = from; i < pieces.length; i++) {
      let piece = pieces[i]!;
      while (piece.length > 0) {
        if (r.fill === BATCH) {
          if (!r.worker.trySend(r.id, this.algorithm, r.buf, BATCH)) {
            pieces[i] = piece;
            // A stream dropped meanwhile has given its buffer back to the pool: it must not send it.
            return r.worker.slot().then(() => (this.aborted ? undefined : this.copyAll(pieces, i)));
          }
          r.buf = r.worker.buffer();
          r.fill = 0;
        }
        const n = Math.min(piece.length, BATCH - r.fill);
        new Uint8Array(r.buf, r.fill, n).set(piece.subarray(0, n));
        r.fill += n;
        piece = piece.subarray(n);
      }
    }
    return undefined;
  }

  /** The hex digest of everything given. */
  async digest(): Promise<string> {
    this.done = true;
    const r = this.remote;
    if (!r) {
      const h = createHash(this.algorithm);
      for (const piece of this.held) h.update(piece);
      this.held = [];
      return h.digest('hex');
    }
    while (!r.worker.trySend(r.id, this.algorithm, r.buf, r.fill)) await r.worker.slot();
    return r.worker.finish(r.id, this.algorithm);
  }

  /** Forgets the stream (an error or abort): frees its worker slot. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.aborted = true;
    this.held = [];
    if (this.remote) this.remote.worker.drop(this.remote.id, this.remote.buf);
  }
}

/** A Transform step: hashes a piece, then passes it on through `cb` (once the worker took it). */
export function hashThenPass(hash: StreamHash, chunk: Buffer, cb: (err?: Error | null, data?: Buffer) => void): void {
  let waiting: Promise<void> | undefined;
  try {
    waiting = hash.update(chunk);
  } catch (err) {
    return cb(err as Error);
  }
  if (waiting) waiting.then(() => cb(null, chunk), (err: Error) => cb(err));
  else cb(null, chunk);
}
