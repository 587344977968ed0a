/**
 * The core every process of Skyclass starts from (the server, the
 * stand-alone transcode worker, the demo command, the benchmarks): config,
 * Redis (embedded or external), secrets, the stores and storage, and the
 * transcode queue; no HTTP.
 */
import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { connectRedis, type RedisHandle } from './redis/connect.ts';
import { resolveSessionSecret, SessionStore } from './auth/SessionStore.ts';
import { deriveKey } from './auth/tokens.ts';
import { DistrictStore } from './district/DistrictStore.ts';
import { createStorage } from '../core/storage/createStorage.ts';
import type { Storage } from '../core/storage/Storage.ts';
import { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import { TranscodeQueue } from '../recordings/transcode/TranscodeQueue.ts';
import { TranscodeWorker } from '../recordings/transcode/TranscodeWorker.ts';
import { LiveStore } from './live/LiveStore.ts';

export interface Core {
  config: Config;
  logger: Logger;
  redis: RedisHandle;
  store: DistrictStore;
  sessions: SessionStore;
  storage: Storage;
  lessons: LessonStore;
  live: LiveStore;
  transcodes: TranscodeQueue;
  urlSigningKey: string;
  /** The address users reach the service at (links in notices to parents). */
  publicBaseUrl(): string;
  /** Used when PUBLIC_BASE_URL is not configured and the port is known only after listen (PORT=0). */
  setPublicBaseUrl(url: string): void;
  close(): Promise<void>;
}

/** Redis, secrets, stores and storage, without HTTP (the demo command uses this). */
export async function startCore(
  config: Config,
  logger: Logger,
  onChildCrash?: (name: string) => void,
): Promise<Core> {
  let publicBaseUrl = config.publicBaseUrl;
  const redis = await connectRedis(config, logger, { onEmbeddedCrash: () => onChildCrash?.('redis-server') });
  try {
    const secret = await resolveSessionSecret(redis.redis, config.SESSION_SECRET);
    const urlSigningKey = deriveKey(secret, 'signed-url');
    const storage = createStorage({
      driver: config.storageDriver,
      localDir: config.STORAGE_DIR ? path.resolve(config.STORAGE_DIR) : undefined,
      dataDir: config.dataDir,
      publicBaseUrl: () => publicBaseUrl,
      signingKey: urlSigningKey,
      urlTtlMs: config.SIGNED_URL_TTL,
      ...(config.S3_BUCKET
        ? {
            s3: {
              bucket: config.S3_BUCKET,
              region: config.S3_REGION,
              endpoint: config.S3_ENDPOINT,
              accessKeyId: config.S3_ACCESS_KEY_ID,
              secretAccessKey: config.S3_SECRET_ACCESS_KEY,
              forcePathStyle: config.S3_FORCE_PATH_STYLE,
              publicBaseUrl: config.S3_PUBLIC_BASE_URL,
            },
          }
        : {}),
    });
    const transcodes = new TranscodeQueue({
      connection: redis.duplicate({ maxRetriesPerRequest: null }),
      publisher: redis.redis,
      attempts: config.TRANSCODE_ATTEMPTS,
    });
    return {
      config,
      logger,
      redis,
      lessons: new LessonStore(redis.redis),
      live: new LiveStore(redis.redis),
      transcodes,
      store: new DistrictStore(redis.redis),
      sessions: new SessionStore(redis.redis, secret, config.SESSION_TTL),
      storage,
      urlSigningKey,
      /** The address users reach the service at (links in notices). */
      publicBaseUrl: () => publicBaseUrl,
      setPublicBaseUrl: (u: string) => {
        publicBaseUrl = u;
      },
      close: async () => {
        await transcodes.close();
        await redis.close();
      },
    };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

/** A transcode worker on this core's Redis and storage (in the server, or alone: npm run worker). */
export function startTranscodeWorker(core: Core): TranscodeWorker {
  const c = core.config;
  return new TranscodeWorker({
    connection: core.redis.duplicate({ maxRetriesPerRequest: null }),
    subscriber: core.redis.duplicate(),
    lessons: core.lessons,
    storage: core.storage,
    logger: core.logger.child({ component: 'transcode' }),
    workDir: path.join(c.dataDir, 'work'),
    concurrency: c.TRANSCODE_CONCURRENCY,
    maxDurationSec: c.LESSON_MAX_DURATION / 1000,
    preset: c.TRANSCODE_PRESET,
    lockDurationMs: c.TRANSCODE_LOCK_DURATION,
    ffmpeg: c.FFMPEG_BIN,
    ffprobe: c.FFPROBE_BIN,
  });
}
