/**
 * A bound on concurrent password-hash runs. scrypt runs on libuv's thread
 * pool, the same four threads that read every file Skyclass serves: without a
 * bound, a login flood queues segment reads behind seconds of key derivation.
 * At most `concurrency` hashes run at once; a short queue waits; beyond it the
 * caller is told to come back (429) instead of piling up work.
 */
import { AppError } from '../errors.ts';

export class HashGate {
  readonly concurrency: number;
  readonly maxQueue: number;
  #running = 0;
  #peak = 0;
  readonly #queue: (() => void)[] = [];

  constructor(concurrency: number, maxQueue = concurrency * 16) {
    this.concurrency = concurrency;
    this.maxQueue = maxQueue;
  }

  /**
   * Runs fn when a slot is free; throws RATE_LIMITED at once when the queue is
   * full, unless `wait` (signed-in staff work such as a roster import, which
   * waits its turn instead).
   */
  async run<T>(fn: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (!opts.wait && this.#queue.length >= this.maxQueue) {
        const e = new AppError(
          'RATE_LIMITED',
          'Many people are signing in right now. Wait a few seconds and try again.',
        );
        e.retryAfterSec = 2;
        throw e;
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running++;
    }
    this.#peak = Math.max(this.#peak, this.#running);
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.#running--;
    }
  }

  /** Most hashes that ever ran at once (the benchmark reports it). */
  get peak(): number {
    return this.#peak;
  }
  get running(): number {
    return this.#running;
  }
  get waiting(): number {
    return this.#queue.length;
  }
}
