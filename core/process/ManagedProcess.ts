/**
 * One child process (redis-server, ffmpeg, janus) with an explicit state,
 * a real ready signal, a start timeout, graceful stop with escalation, and
 * exactly one terminal `exit` event that says why it stopped.
 * Restart policy is not here: see Supervisor.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import readline from 'node:readline';
import type { ProcessLogger } from './ProcessLogger.ts';
import { dieWithParent, removePidFile, wrappedCommandMissing, writePidFile } from './childHygiene.ts';

export type ProcessState = 'new' | 'starting' | 'running' | 'stopping' | 'exited';
export type StopReason = 'requested' | 'crash' | 'start-timeout' | 'spawn-error';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  reason: StopReason;
}

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logger: ProcessLogger;
  /** A line of stdout/stderr that proves the process is ready. */
  readyLine?: (line: string) => boolean;
  /** Or a probe polled until it resolves true. */
  readyProbe?: () => Promise<boolean>;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /** Written to stdin to ask for a graceful stop (ffmpeg: "q"); else stopSignal is sent. */
  stopInput?: string;
  stopSignal?: NodeJS.Signals;
  /** Applied to the logged command line and to every output line (secrets in URLs). */
  redact?: (text: string) => string;
  /** Record the pid here while the process runs (see childHygiene.ts: reapStale). */
  pidFile?: string;
}

export class ProcessStartError extends Error {
  readonly processName: string;
  constructor(processName: string, message: string) {
    super(`${processName}: ${message}`);
    this.name = 'ProcessStartError';
    this.processName = processName;
  }
}

interface Events {
  ready: [];
  line: [stream: 'stdout' | 'stderr', line: string];
  exit: [info: ExitInfo];
}

export class ManagedProcess extends EventEmitter<Events> {
  readonly options: ManagedProcessOptions;
  #state: ProcessState = 'new';
  #child?: ChildProcess;
  #stopRequested = false;
  #timedOut = false;
  #exitInfo?: ExitInfo;
  #exited?: Promise<ExitInfo>;
  #recentOutput: string[] = [];

  constructor(options: ManagedProcessOptions) {
    super();
    this.options = options;
  }

  get state(): ProcessState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exitInfo;
  }

  /** Resolves when the process is ready; rejects (and kills it) on exit or timeout first. */
  start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`${this.options.name}: start() called twice`);
    const { name, command, args, logger } = this.options;
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    this.#state = 'starting';
    const redact = this.options.redact ?? ((t: string) => t);
    logger.debug({ command, args: args.map(redact) }, `${name}: spawning`);

    // The child gets SIGTERM from the kernel if this process dies, however it dies.
    const run = dieWithParent(command, args);
    const child = spawn(run.command, run.args, {
      cwd: this.options.cwd,
      ...(this.options.env ? { env: this.options.env } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
    const pidFile = this.options.pidFile;
    if (pidFile && child.pid) writePidFile(pidFile, child.pid, name);

    this.#exited = new Promise<ExitInfo>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (err) => {
        spawnError = err;
        logger.error({ err }, `${name}: could not be started`);
      });
      child.once('close', (code, signal) => {
        const reason: StopReason =
          spawnError || wrappedCommandMissing(code, this.#recentOutput.join('\n'))
            ? 'spawn-error'
            : this.#timedOut
              ? 'start-timeout'
              : this.#stopRequested
                ? 'requested'
                : 'crash';
        const info: ExitInfo = { code, signal, reason };
        if (pidFile) removePidFile(pidFile, child.pid);
        this.#exitInfo = info;
        this.#state = 'exited';
        // A one-shot job (a transcode) ending with 0 is normal; only unexpected ends are warnings.
        const log =
          reason === 'requested' || code === 0 ? logger.info.bind(logger) : logger.warn.bind(logger);
        log({ code, signal, reason }, `${name}: exited`);
        this.emit('exit', info);
        resolve(info);
      });
    });
    child.stdin?.on('error', () => undefined); // EPIPE after exit is not our concern

    for (const stream of ['stdout', 'stderr'] as const) {
      const rl = readline.createInterface({ input: child[stream]! });
      rl.on('line', (line) => {
        const shown = redact(line);
        this.#recentOutput.push(shown);
        if (this.#recentOutput.length > 20) this.#recentOutput.shift();
        logger.debug({ stream }, shown);
        this.emit('line', stream, line);
      });
    }

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.off('line', onLine);
        if (err) {
          reject(err);
        } else {
          this.#state = 'running';
          logger.info({ pid: child.pid }, `${name}: ready`);
          this.emit('ready');
          resolve();
        }
      };
      const onLine = (_s: string, line: string) => {
        if (line.startsWith('setpriv: ')) return; // the wrapper's own complaint is never a ready signal
        if (this.options.readyLine?.(line)) finish();
      };
      this.on('line', onLine);
      const timer = setTimeout(() => {
        this.#timedOut = true;
        child.kill('SIGKILL');
        finish(
          new ProcessStartError(name, `not ready after ${timeoutMs} ms; last output: ${this.lastOutput()}`),
        );
      }, timeoutMs);
      void this.#exited!.then((info) =>
        finish(
          new ProcessStartError(
            name,
            `exited before it was ready (code ${info.code}, ${info.reason}); last output: ${this.lastOutput()}`,
          ),
        ),
      );
      if (this.options.readyProbe) void this.#pollProbe(() => settled, finish);
    });
  }

  async #pollProbe(done: () => boolean, finish: () => void): Promise<void> {
    while (!done() && this.#state === 'starting') {
      try {
        if (await this.options.readyProbe!()) return finish();
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  lastOutput(): string {
    return this.#recentOutput.slice(-5).join(' | ') || '(none)';
  }

  /** Graceful stop, escalating to SIGKILL after stopTimeoutMs. Resolves with the exit info. */
  async stop(): Promise<ExitInfo> {
    if (!this.#child || !this.#exited) throw new Error(`${this.options.name}: stop() before start()`);
    if (this.#state === 'exited') return this.#exitInfo!;
    this.#stopRequested = true;
    this.#state = 'stopping';
    if (this.options.stopInput && this.#child.stdin?.writable) {
      this.#child.stdin.write(this.options.stopInput);
    } else {
      this.#child.kill(this.options.stopSignal ?? 'SIGTERM');
    }
    const timer = setTimeout(() => {
      this.options.logger.warn(`${this.options.name}: did not stop in time, killing`);
      this.#child?.kill('SIGKILL');
    }, this.options.stopTimeoutMs ?? 5000);
    const info = await this.#exited;
    clearTimeout(timer);
    return info;
  }

  /** Waits for the terminal event, whatever causes it. */
  waitExit(): Promise<ExitInfo> {
    if (!this.#exited) throw new Error(`${this.options.name}: waitExit() before start()`);
    return this.#exited;
  }
}
