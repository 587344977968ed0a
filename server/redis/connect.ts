import { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { EmbeddedRedis } from './EmbeddedRedis.ts';
import path from 'node:path';

export interface RedisHandle {
  redis: Redis;
  /** A fresh connection to the same Redis (for blocking commands, pub/sub). */
  duplicate(): Redis;
  embedded?: EmbeddedRedis;
  close(): Promise<void>;
}

export async function connectRedis(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_SERVER_BIN' | 'dataDir'>,
  logger: Logger,
  hooks: { onEmbeddedCrash?: () => void } = {},
): Promise<RedisHandle> {
  let embedded: EmbeddedRedis | undefined;
  let make: () => Redis;
  if (config.REDIS_URL) {
    const url = config.REDIS_URL;
    make = () => new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  } else {
    embedded = new EmbeddedRedis({
      dir: path.join(config.dataDir, 'redis'),
      bin: config.REDIS_SERVER_BIN,
      logger,
      onCrash: hooks.onEmbeddedCrash,
    });
    await embedded.start();
    const socketPath = embedded.socketPath;
    make = () => new Redis({ path: socketPath, lazyConnect: true, maxRetriesPerRequest: 3 });
  }
  const redis = make();
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  await redis.connect();
  const extra: Redis[] = [];
  return {
    redis,
    embedded,
    duplicate() {
      const r = make();
      r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
      extra.push(r);
      return r;
    },
    async close() {
      for (const r of [redis, ...extra]) r.disconnect();
      await embedded?.stop();
    },
  };
}
