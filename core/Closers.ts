/**
 * What a composition root started, in order, so that it can be released in
 * reverse: at shutdown, and when a later step of the start fails (a port in
 * use must not leave redis-server, Janus or worker threads behind). A failing
 * close is logged with its stack and the rest still run.
 */
import type { ProcessLogger } from './process/ProcessLogger.ts';

export class Closers {
  readonly #stack: { what: string; close: () => unknown }[] = [];
  readonly #logger?: Pick<ProcessLogger, 'warn'>;

  constructor(logger?: Pick<ProcessLogger, 'warn'>) {
    this.#logger = logger;
  }

  /** Registers something just started; it is closed before everything registered earlier. */
  add(what: string, close: () => unknown): void {
    this.#stack.push({ what, close });
  }

  /** Closes everything, newest first (each once). */
  async closeAll(): Promise<void> {
    for (let c = this.#stack.pop(); c; c = this.#stack.pop()) {
      try {
        await c.close();
      } catch (err) {
        this.#logger?.warn({ err, what: c.what }, 'closing failed');
      }
    }
  }

  /** Runs a start step; if it throws, everything started so far is closed and the error goes on. */
  async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.closeAll();
      throw err;
    }
  }
}
