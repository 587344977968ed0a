/** Starts a real Skyclass instance (embedded redis-server, local storage) on a free port. */
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { startService, type RunningService } from '../../server/Service.ts';
import { seedDemo } from '../../server/district/seedDemo.ts';
import { testLogger } from './logger.ts';
import { tmpDir } from './tmp.ts';

export const TEST_PASSWORD_COST = 10;

export async function startTestService(
  env: Record<string, string> = {},
  opts: { demo?: boolean; liveCommandPrefix?: string[] } = {},
): Promise<RunningService> {
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: tmpDir('skysvc'),
    PASSWORD_HASH_COST: String(TEST_PASSWORD_COST),
    WEB_DIST_DIR: path.resolve('web-player/dist'),
    SFU: 'off', // the live-lesson tests turn Janus on
    // Tests sign in hundreds of times from 127.0.0.1; the limits have their own tests.
    API_RESPONSE_CHECK: 'strict', // an answer that breaks its contract fails the test
    LOGIN_IP_LIMIT: '100000',
    LOGIN_GLOBAL_LIMIT: '100000',
    LOGIN_USER_BACKOFF_AFTER: '100000',
    ...env,
  });
  const service = await startService(config, testLogger(), { liveCommandPrefix: opts.liveCommandPrefix });
  if (opts.demo !== false) {
    await seedDemo(service.core.store, {
      passwordCost: TEST_PASSWORD_COST,
      studentsPerClass: 2,
      redis: service.core.redis.redis,
    });
  }
  return service;
}

/**
 * A second instance sharing `first`'s Redis (its embedded redis-server's socket) and storage, as
 * instances behind a load balancer do; no transcode worker, no demo seeding (the first did it).
 */
export function startSecondInstance(first: RunningService): Promise<RunningService> {
  const dataDir = first.core.config.dataDir;
  return startTestService(
    {
      DATA_DIR: dataDir,
      REDIS_URL: `unix://${path.join(dataDir, 'redis', 'redis.sock')}`,
      TRANSCODE_WORKER: 'off',
    },
    { demo: false },
  );
}
