import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { EmbeddedRedis } from './EmbeddedRedis.ts';
import path from 'node:path';

export interface RedisHandle {
  redis: Redis;
  /** A fresh connection to the same Redis (for blocking commands, pub/sub, BullMQ). */
  duplicate(options?: RedisOptions): Redis;
  embedded?: EmbeddedRedis;
  close(): Promise<void>;
}

export async function connectRedis(
  config: Pick<
    Config,
    | 'REDIS_URL'
    | 'REDIS_SERVER_BIN'
    | 'dataDir'
    | 'REDIS_SENTINELS'
    | 'REDIS_SENTINEL_NAME'
    | 'REDIS_PASSWORD'
  >,
  logger: Logger,
  hooks: { onEmbeddedCrash?: () => void } = {},
): Promise<RedisHandle> {
  let embedded: EmbeddedRedis | undefined;
  let make: (extra?: RedisOptions) => Redis;
  if (config.REDIS_SENTINELS) {
    // ioredis asks the sentinels for the primary and follows a failover (reconnects, re-sends what was queued).
    const sentinels = config.REDIS_SENTINELS.split(',').map((hp) => {
      const i = hp.lastIndexOf(':');
      return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
    });
    make = (extra = {}) =>
      new Redis({
        sentinels,
        name: config.REDIS_SENTINEL_NAME,
        password: config.REDIS_PASSWORD,
        sentinelPassword: config.REDIS_PASSWORD,
        lazyConnect: true,
        maxRetriesPerRequest: 3,
        // After a failover the old primary may still answer as a replica: reconnect on READONLY.
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
        ...extra,
      });
  } else if (config.REDIS_URL) {
    const url = config.REDIS_URL;
    make = url.startsWith('unix://')
      ? (extra = {}) =>
          new Redis({
            path: url.slice('unix://'.length),
            lazyConnect: true,
            maxRetriesPerRequest: 3,
            ...extra,
          })
      : (extra = {}) => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, ...extra });
  } else {
    embedded = new EmbeddedRedis({
      dir: path.join(config.dataDir, 'redis'),
      bin: config.REDIS_SERVER_BIN,
      logger,
      onCrash: hooks.onEmbeddedCrash,
    });
    await embedded.start();
    const socketPath = embedded.socketPath;
    make = (extra = {}) =>
      new Redis({ path: socketPath, lazyConnect: true, maxRetriesPerRequest: 3, ...extra });
  }
  const redis = make();
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  await redis.connect();
  const extra: Redis[] = [];
  return {
    redis,
    embedded,
    duplicate(options) {
      const r = make({ lazyConnect: false, ...options });
      r.on('error', (err) => logger.warn({ err }, 'redis connection error'));
      extra.push(r);
      return r;
    },
    async close() {
      for (const r of [redis, ...extra]) r.disconnect();
      await embedded?.stop();
    },
  };
}
