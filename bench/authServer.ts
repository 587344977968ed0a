/**
 * The server side of `npm run bench:auth`: one real Skyclass instance in its
 * own process (production password cost, behind a "load balancer" so the
 * flood can come from many client addresses), a few accounts, and a 1 KB
 * segment under a slate path to fetch. Prints "READY {json}".
 *   usage: node --import tsx bench/authServer.ts <dataDir> guarded|unguarded
 * `unguarded` is the baseline: hashes unbounded (16 at once, as libuv's pool
 * allows) and no login limits, as Skyclass was before.
 */
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { hashPassword } from '../server/auth/passwords.ts';

const [dataDir, mode] = process.argv.slice(2);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const unguarded = mode === 'unguarded';
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: '0',
  SFU: 'off',
  TRANSCODE_WORKER: 'off',
  TRUST_PROXY: 'true',
  METRICS_TOKEN: 'bench-metrics-token-0123',
  ...(unguarded
    ? {
        PASSWORD_HASH_CONCURRENCY: '16',
        LOGIN_IP_LIMIT: '1000000',
        LOGIN_GLOBAL_LIMIT: '1000000',
        LOGIN_LOCK_AFTER: '1000000',
        LOGIN_USER_BACKOFF_AFTER: '1000000',
      }
    : {}),
});
const svc = await startService(config, logger);
const store = svc.core.store;
await store.setDistrict({ id: 'bench', name: 'Bench district' });
const school = await store.createSchool('Bench school');
await store.addGrade(3);
const cls = await store.createClass({ schoolId: school.id, grade: 3, name: '三年级（1）班' });
const hash = await hashPassword('correct-horse-battery', config.PASSWORD_HASH_COST);
for (let i = 0; i < 20; i++)
  await store.createUser({
    username: `bench-s-${i}`,
    displayName: `学生${i}`,
    role: 'student',
    passwordHash: hash,
    schoolId: school.id,
    classIds: [cls.id],
  });
const segment = 'slates/0123456789abcdef/360p/seg_00001.m4s';
await svc.core.storage.put(segment, Buffer.alloc(1024, 7));
console.log(
  `READY ${JSON.stringify({ url: svc.url, pid: process.pid, segment: '/channels/media/slate/0123456789abcdef/360p/seg_00001.m4s' })}`,
);
process.on('SIGTERM', () => void svc.close().then(() => process.exit(0)));
