/**
 * The private redis-server Skyclass runs when REDIS_URL is not set:
 * data under DATA_DIR/redis, AOF on, a unix socket only (no TCP port to clash
 * with or to expose), supervised with restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { reapStale } from '../../core/process/childHygiene.ts';

export interface EmbeddedRedisOptions {
  dir: string;
  bin: string;
  logger: ProcessLogger;
  onCrash?: () => void;
}

export function redisServerArgs(dir: string, socketPath: string): string[] {
  return [
    '--port',
    '0',
    '--unixsocket',
    socketPath,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--daemonize',
    'no',
    '--logfile',
    '',
    '--loglevel',
    'notice',
  ];
}

export class EmbeddedRedis {
  readonly socketPath: string;
  readonly pidFile: string;
  readonly #supervisor: Supervisor;
  readonly #logger: ProcessLogger;

  constructor(options: EmbeddedRedisOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.socketPath = path.join(options.dir, 'redis.sock');
    this.pidFile = path.join(options.dir, 'redis-server.skyclass-pid');
    const logger = options.logger.child({ component: 'redis-server' });
    this.#logger = logger;
    this.#supervisor = new Supervisor({
      name: 'redis-server',
      logger,
      create: () =>
        new ManagedProcess({
          name: 'redis-server',
          command: options.bin,
          args: redisServerArgs(options.dir, this.socketPath),
          logger,
          readyLine: (line) => /ready to accept connections/i.test(line),
          startTimeoutMs: 15_000,
          stopSignal: 'SIGTERM',
          pidFile: this.pidFile,
        }),
    });
    this.#supervisor.on('crashed', () => options.onCrash?.());
  }

  get crashes(): number {
    return this.#supervisor.crashes;
  }

  get pid(): number | undefined {
    return this.#supervisor.current?.pid;
  }

  async start(): Promise<void> {
    // A redis-server of a run that crashed must not keep writing the same append-only files.
    await reapStale(this.pidFile, this.#logger);
    try {
      await this.#supervisor.start();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.message.includes('spawn-error') || e.code === 'ENOENT') {
        throw new Error(
          `Could not start the embedded redis-server (${e.message}). Install it with "npm run setup" ` +
            `(apt-get install redis-server) or point REDIS_URL at an existing Redis.`,
        );
      }
      throw err;
    }
  }

  stop(): Promise<void> {
    return this.#supervisor.stop();
  }
}
