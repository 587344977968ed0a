import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, SETTINGS } from '../../server/config.ts';

describe('config', () => {
  it('runs with no configuration at all: embedded redis, local storage, port 8080', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.REDIS_URL).toBeUndefined();
    expect(c.storageDriver).toBe('local');
    expect(c.SESSION_TTL).toBe(12 * 3600_000);
    expect(c.publicBaseUrl).toBe('http://127.0.0.1:8080');
  });

  it('switches to S3 when a bucket is configured', () => {
    const c = loadConfig({ S3_BUCKET: 'lessons', S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(c.storageDriver).toBe('s3');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER="ftp": use local or s3'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SESSION_TTL: '12 hours' }, 'SESSION_TTL="12 hours": "12 hours" is not a duration'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL="localhost:6379": must start with redis://'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY="maybe": use true or false'],
    [{ STORAGE_DRIVER: 's3' }, 'STORAGE_DRIVER=s3 needs S3_BUCKET'],
    [{ ATTENDANCE_PRESENT_PERCENT: '150' }, 'ATTENDANCE_PRESENT_PERCENT'],
    [{ ATTENDANCE_LATE_AFTER: 'soon' }, 'ATTENDANCE_LATE_AFTER'],
    [{ ROLES: 'api,transcoder' }, 'ROLES="api,transcoder": use all, or a comma list of api, media, worker'],
    [{ REDIS_SENTINELS: '10.0.0.5' }, 'REDIS_SENTINELS="10.0.0.5": use host:port pairs'],
    [{ MEDIA_NODE_URL: 'the media box' }, 'MEDIA_NODE_URL="the media box": must be an absolute URL'],
  ])('rejects %o with a message naming the setting', (env, fragment) => {
    let err: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(fragment);
    expect((err as Error).message).toContain('README.md');
  });

  it('chooses roles: all by default, or a list', () => {
    expect([...loadConfig({}).ROLES].sort()).toEqual(['api', 'media', 'worker']);
    const shared = { REDIS_URL: 'redis://10.0.0.5:6379', S3_BUCKET: 'lessons' };
    expect([...loadConfig({ ...shared, ROLES: 'media' }).ROLES]).toEqual(['media']);
    expect([...loadConfig({ ...shared, ROLES: ' api , worker ' }).ROLES].sort()).toEqual(['api', 'worker']);
    // Some roles only: the Redis and the storage must be the shared ones.
    expect(() => loadConfig({ ROLES: 'media' })).toThrow(/ROLES=media needs the Redis every process shares/);
    expect(() => loadConfig({ ROLES: 'api', REDIS_URL: 'redis://r:6379' })).toThrow(
      /set S3_BUCKET, or STORAGE_DIR/,
    );
    expect(
      loadConfig({ ROLES: 'api', REDIS_URL: 'redis://r:6379', STORAGE_DIR: '/srv/media' }).STORAGE_DIR,
    ).toBe('/srv/media');
    const c = loadConfig({ REDIS_SENTINELS: '10.0.0.5:26379,sentinel-2:26379' });
    expect(c.REDIS_SENTINELS).toBe('10.0.0.5:26379,sentinel-2:26379');
    expect(c.REDIS_SENTINEL_NAME).toBe('skyclass');
  });

  it('parses durations', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(() => parseDuration('7')).toThrow(/not a duration/);
  });

  it('documents every setting', () => {
    for (const [key, s] of Object.entries(SETTINGS)) expect(s.doc.length, key).toBeGreaterThan(5);
  });
});
