/**
 * Builds and starts one Skyclass server instance from a validated config:
 * Redis (embedded or external), storage, the HTTP app. Used by main.ts,
 * the demo command and the integration tests alike.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { connectRedis, type RedisHandle } from './redis/connect.ts';
import { resolveSessionSecret, SessionStore } from './auth/SessionStore.ts';
import { deriveKey } from './auth/tokens.ts';
import { DistrictStore } from './district/DistrictStore.ts';
import { createStorage } from '../recordings/storage/createStorage.ts';
import type { Storage } from '../recordings/storage/Storage.ts';
import { createMetrics } from './metrics.ts';
import { createApp } from './http/createApp.ts';
import type { AppDeps } from './http/AppDeps.ts';

export interface Core {
  config: Config;
  logger: Logger;
  redis: RedisHandle;
  store: DistrictStore;
  sessions: SessionStore;
  storage: Storage;
  urlSigningKey: string;
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
    return {
      config,
      logger,
      redis,
      store: new DistrictStore(redis.redis),
      sessions: new SessionStore(redis.redis, secret, config.SESSION_TTL),
      storage,
      urlSigningKey,
      setPublicBaseUrl: (u: string) => {
        publicBaseUrl = u;
      },
      close: () => redis.close(),
    };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

export interface RunningService {
  core: Core;
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const metrics = createMetrics();
  const core = await startCore(config, logger, (name) => metrics.childCrashes.inc({ process: name }));
  const deps: AppDeps = {
    logger,
    redis: core.redis.redis,
    store: core.store,
    sessions: core.sessions,
    storage: core.storage,
    metrics,
    urlSigningKey: core.urlSigningKey,
    passwordCost: config.PASSWORD_HASH_COST,
    webDistDir: config.WEB_DIST_DIR,
    trustProxy: config.TRUST_PROXY,
    isReady: async () => {
      try {
        await core.redis.redis.ping();
        await core.storage.head('.readyz-probe');
        return true;
      } catch {
        return false;
      }
    },
  };
  const server = http.createServer(createApp(deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (!config.PUBLIC_BASE_URL) core.setPublicBaseUrl(url);
  logger.info(
    { url, storage: config.storageDriver, redis: config.REDIS_URL ? 'external' : 'embedded' },
    'Skyclass is listening',
  );
  return {
    core,
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await core.close();
    },
  };
}
