/**
 * Keeps one kind of child process alive: restarts it after a crash with
 * exponential backoff, counts crashes, and stops for good on request.
 * Kept our own because it is small and tied to ManagedProcess's states; it
 * deliberately does not run as a separate daemon, manage process groups of
 * other services, or restart the whole service (systemd or Kubernetes do
 * that for Skyclass itself).
 */
import { EventEmitter } from 'node:events';
import type { ManagedProcess } from './ManagedProcess.ts';
import type { ProcessLogger } from './ProcessLogger.ts';

export interface SupervisorOptions {
  name: string;
  /** The next process to run (may first prepare what it needs, e.g. its ports). */
  create: () => ManagedProcess | Promise<ManagedProcess>;
  logger: ProcessLogger;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run longer than this resets the backoff. */
  stableAfterMs?: number;
}

interface Events {
  started: [proc: ManagedProcess];
  crashed: [count: number];
  'start-failed': [err: Error];
}

export function nextBackoff(previousMs: number, initialMs: number, maxMs: number): number {
  return previousMs === 0 ? initialMs : Math.min(previousMs * 2, maxMs);
}

export class Supervisor extends EventEmitter<Events> {
  readonly options: SupervisorOptions;
  #current?: ManagedProcess;
  #stopped = false;
  #backoffMs = 0;
  #crashes = 0;
  #timer?: NodeJS.Timeout;

  constructor(options: SupervisorOptions) {
    super();
    this.options = options;
  }

  get current(): ManagedProcess | undefined {
    return this.#current;
  }

  get crashes(): number {
    return this.#crashes;
  }

  /** Starts the first process; rejects if it cannot start at all (a configuration fault). */
  async start(): Promise<void> {
    try {
      await this.#launch();
    } catch (err) {
      this.#stopped = true;
      clearTimeout(this.#timer);
      throw err;
    }
  }

  async #launch(): Promise<void> {
    const proc = await this.options.create();
    if (this.#stopped) return; // stopped while it was being prepared
    this.#current = proc;
    const startedAt = Date.now();
    proc.once('exit', (info) => {
      if (this.#stopped || info.reason === 'requested') return;
      if (Date.now() - startedAt > (this.options.stableAfterMs ?? 30_000)) this.#backoffMs = 0;
      this.#crashes += 1;
      this.emit('crashed', this.#crashes);
      this.#restartLater();
    });
    await proc.start();
    this.emit('started', proc);
  }

  /** The next process after the backoff. */
  #restartLater(): void {
    this.#backoffMs = nextBackoff(
      this.#backoffMs,
      this.options.initialBackoffMs ?? 200,
      this.options.maxBackoffMs ?? 10_000,
    );
    this.options.logger.warn(
      { crashes: this.#crashes, backoffMs: this.#backoffMs },
      `${this.options.name}: restarting`,
    );
    this.#timer = setTimeout(() => {
      if (this.#stopped) return;
      const crashed = this.#current;
      this.#launch().catch((err: Error) => {
        this.emit('start-failed', err);
        this.options.logger.error({ err }, `${this.options.name}: restart failed`);
        // A process that was made and failed to start exits, and its exit tries again; one that could
        // not even be prepared (create threw) never exits, so it is tried again from here.
        if (this.#current === crashed && !this.#stopped) this.#restartLater();
      });
    }, this.#backoffMs);
  }

  /** Replaces the running process with a fresh one (a planned restart, not counted as a crash). */
  async restart(): Promise<void> {
    if (this.#stopped) return;
    const cur = this.#current;
    if (cur && cur.state !== 'exited' && cur.state !== 'new') await cur.stop();
    if (this.#stopped) return;
    await this.#launch();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#current && this.#current.state !== 'exited' && this.#current.state !== 'new') {
      await this.#current.stop();
    }
  }
}
