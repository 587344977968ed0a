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
import { createStorage } from '../core/storage/createStorage.ts';
import type { Storage } from '../core/storage/Storage.ts';
import { createMetrics, observePasswordHashes } from './metrics.ts';
import { createApp } from './http/createApp.ts';
import type { AppDeps } from './http/AppDeps.ts';
import { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import { TranscodeQueue } from '../recordings/transcode/TranscodeQueue.ts';
import { TranscodeWorker } from '../recordings/transcode/TranscodeWorker.ts';
import { Realtime } from './realtime/Realtime.ts';
import path from 'node:path';
import { createUploadServer } from './http/uploads.ts';
import { bearerToken, makeTokenAuthenticator } from './http/authenticate.ts';
import { LiveStore } from './live/LiveStore.ts';
import { LiveHlsManager } from './live/LiveHlsManager.ts';
import { Scheduler } from './scheduler/Scheduler.ts';
import { timetableSwitches } from './scheduler/timetableSwitches.ts';
import { TimetableStore } from './timetable/TimetableStore.ts';
import { JanusSfu } from '../media/janus/JanusSfu.ts';
import { ChannelService } from './channels/ChannelService.ts';
import { SlateService } from './channels/SlateService.ts';
import { HeadEnds, OutputStore } from './channels/HeadEnds.ts';
import { PasswordHasher } from './auth/PasswordHasher.ts';
import { Closers } from '../core/Closers.ts';
import { DestinationAllowList } from '../media/channel/headEnd.ts';
import { LoginGuard } from './auth/LoginGuard.ts';
import { ignore } from '../core/ignore.ts';

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

export interface RunningService {
  core: Core;
  server: http.Server;
  url: string;
  worker?: TranscodeWorker;
  sfu?: JanusSfu;
  liveHls?: LiveHlsManager;
  scheduler: Scheduler;
  headEnds: HeadEnds;
  /** Password hashing (scrypt worker threads behind a bounded queue). */
  passwords: PasswordHasher;
  /** The internal metrics listener (METRICS_PORT), when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Runs janus and the live ffmpeg through this prefix (tests: nsenter into a network namespace). */
  janusCommandPrefix?: string[];
}

/** The managed Janus SFU for live lessons (SFU=janus), with its private config under DATA_DIR/janus. */
async function startSfu(config: Config, logger: Logger, opts: ServiceOptions): Promise<JanusSfu | undefined> {
  if (config.SFU === 'off') return undefined;
  const [min, max] = config.JANUS_RTP_PORTS.split('-').map(Number) as [number, number];
  const sfu = new JanusSfu({
    dir: path.join(config.dataDir, 'janus'),
    bin: config.JANUS_BIN,
    logger,
    rtpPortRange: { min, max },
    iceEnforceList: config.JANUS_ICE_ENFORCE_LIST,
    natMapping: config.JANUS_NAT_1_1_MAPPING,
    commandPrefix: opts.janusCommandPrefix,
  });
  try {
    await sfu.start();
  } catch (err) {
    await sfu.stop().catch(ignore('stopping a Janus that failed to start', logger));
    throw new Error(
      `Could not start Janus (${(err as Error).message}). Install it with "npm run setup" (Debian package janus), or set SFU=off to run without live lessons.`,
    );
  }
  return sfu;
}

function urlOf(server: http.Server): string {
  const addr = server.address() as AddressInfo;
  return `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
}

/** /metrics without a token, on an internal interface only (METRICS_HOST:METRICS_PORT), as Prometheus scrapes it. */
async function listenMetrics(
  config: Config,
  metrics: ReturnType<typeof createMetrics>,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.METRICS_PORT, config.METRICS_HOST, () => resolve());
  });
  return server;
}

export async function startService(
  config: Config,
  logger: Logger,
  opts: ServiceOptions = {},
): Promise<RunningService> {
  const metrics = createMetrics();
  const core = await startCore(config, logger, (name) => metrics.childCrashes.inc({ process: name }));
  const closers = new Closers(logger);
  closers.add('core', () => core.close());
  return closers.guard(async () => {
    const sfu = await startSfu(config, logger, opts);
    closers.add('sfu', () => sfu?.stop());
    const byToken = makeTokenAuthenticator(core);
    const uploads = createUploadServer({
      dir: path.join(config.dataDir, 'uploads'),
      maxSize: config.UPLOAD_MAX_SIZE,
      storage: core.storage,
      logger,
      authenticate: async (authorization) => (await byToken(bearerToken(authorization))).user,
      gradeExists: async (g) => (await core.store.listGrades()).some((x) => x.number === g),
      newLessonId: LessonStore.newId,
      onUploaded: async (user, u) => {
        const now = new Date().toISOString();
        const jobId = `${u.lessonId}-1`;
        await core.lessons.create({
          id: u.lessonId,
          title: u.title,
          grade: u.grade,
          subject: u.subject,
          teacherId: user.id,
          teacherName: user.displayName,
          status: 'uploaded',
          review: 'pending',
          source: { key: u.sourceKey, filename: u.filename, size: u.size },
          jobId,
          createdAt: now,
          updatedAt: now,
        });
        await core.transcodes.enqueue(u.lessonId, 1);
        logger.info({ lessonId: u.lessonId, size: u.size, teacher: user.username }, 'lesson uploaded');
      },
    });
    const liveHls = sfu
      ? new LiveHlsManager({
          storage: core.storage,
          lessons: core.lessons,
          live: core.live,
          sfu,
          dataDir: config.dataDir,
          logger,
          ffmpeg: config.FFMPEG_BIN,
          commandPrefix: opts.janusCommandPrefix,
        })
      : undefined;
    closers.add('live HLS pipelines', () => liveHls?.closeAll());
    const timetable = new TimetableStore(core.redis.redis);
    const slates = new SlateService({
      redis: core.redis.redis,
      storage: core.storage,
      workDir: path.join(config.dataDir, 'work', 'slates'),
      logger: logger.child({ component: 'slates' }),
      ffmpeg: config.FFMPEG_BIN,
    });
    const channels = new ChannelService({
      redis: core.redis.redis,
      storage: core.storage,
      timetable,
      lessons: core.lessons,
      live: core.live,
      slates,
      timeZone: config.TIMEZONE,
      logger: logger.child({ component: 'channels' }),
    });
    const outputs = new OutputStore(core.redis.redis);
    const passwords = new PasswordHasher({
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      cost: config.PASSWORD_HASH_COST,
    });
    observePasswordHashes(metrics, passwords);
    const headEndAllowed = new DestinationAllowList(config.HEAD_END_ALLOWED);
    const isHttps = config.publicBaseUrl.startsWith('https://');
    const deps: AppDeps = {
      channels,
      outputs,
      headEndAllowed,
      logger,
      redis: core.redis.redis,
      store: core.store,
      sessions: core.sessions,
      storage: core.storage,
      lessons: core.lessons,
      live: core.live,
      sfu,
      liveHls,
      transcodes: core.transcodes,
      uploads,
      metrics,
      urlSigningKey: core.urlSigningKey,
      passwordCost: config.PASSWORD_HASH_COST,
      passwords,
      loginGuard: new LoginGuard(
        core.redis.redis,
        {
          perIpPerMinute: config.LOGIN_IP_LIMIT,
          globalPerSecond: config.LOGIN_GLOBAL_LIMIT,
          lockAfter: config.LOGIN_LOCK_AFTER,
          userBackoffAfter: config.LOGIN_USER_BACKOFF_AFTER,
        },
        deriveKey(core.urlSigningKey, 'login-device'),
      ),
      secureCookies: isHttps,
      hsts: isHttps,
      metricsToken: config.METRICS_TOKEN,
      timeZone: config.TIMEZONE,
      attendance: {
        lateAfterSec: config.ATTENDANCE_LATE_AFTER / 1000,
        presentPercent: config.ATTENDANCE_PRESENT_PERCENT,
      },
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
    closers.add('password workers', () => passwords.close());
    const server = http.createServer(createApp(deps));
    closers.add(
      'http server',
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const realtime = new Realtime(server, {
      sessions: core.sessions,
      store: core.store,
      lessons: core.lessons,
      live: core.live,
      sfu,
      liveHls,
      urlSigningKey: core.urlSigningKey,
      redis: core.redis.redis,
      subscriber: core.redis.duplicate(),
      adapterPub: core.redis.duplicate(),
      adapterSub: core.redis.duplicate(),
      timeZone: config.TIMEZONE,
      logger,
    });
    closers.add('socket.io', () => realtime.close());
    const worker = config.TRANSCODE_WORKER === 'in-process' ? startTranscodeWorker(core) : undefined;
    closers.add('transcode worker', () => worker?.close());
    // The channel scheduler: in every instance, one leader at a time (Redis lock + fencing token).
    const schedulerRedis = core.redis.duplicate();
    const scheduler = new Scheduler({
      redis: schedulerRedis,
      switches: timetableSwitches(
        timetable,
        async () => (await core.store.listGrades()).map((g) => g.number),
        config.TIMEZONE,
      ),
    });
    closers.add('scheduler', async () => {
      await scheduler.stop();
      schedulerRedis.disconnect();
    });
    // Head-end outputs run on the scheduler's leader only (started once this instance listens).
    let listeningUrl = '';
    const headEnds = new HeadEnds({
      store: outputs,
      baseUrl: () => listeningUrl,
      logger: logger.child({ component: 'head-ends' }),
      ffmpeg: config.FFMPEG_BIN,
      allowed: headEndAllowed,
      // 720p when every lesson of the channel's days has it, else the best rung they all have.
      renditionFor: async (channel) => {
        const rungs = await channels.rungs(Number(channel.replace('grade-', '')));
        return rungs.find((r) => parseInt(r, 10) <= 720) ?? rungs.at(-1) ?? '360p';
      },
    });
    closers.add('head-end outputs', () => headEnds.close());
    const timetableChanges = core.redis.duplicate();
    closers.add('timetable subscriber', () => timetableChanges.disconnect());
    void timetableChanges
      .subscribe(TimetableStore.CHANGES_CHANNEL, OutputStore.CHANGED)
      .catch(ignore('a subscription cut short by a shutdown', logger));
    timetableChanges.on('message', (channel: string) => {
      if (channel === OutputStore.CHANGED) void headEnds.reconcile();
      else scheduler.replan(); // today's edits take effect without a restart
    });
    scheduler.on('leader', (fence) => logger.info({ fence }, 'this instance leads the channel scheduler'));
    scheduler.start();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const metricsServer =
      config.METRICS_PORT !== undefined ? await listenMetrics(config, metrics) : undefined;
    closers.add('metrics listener', () => metricsServer?.close());
    const addr = server.address() as AddressInfo;
    const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
    if (!config.PUBLIC_BASE_URL) core.setPublicBaseUrl(url);
    listeningUrl = url;
    scheduler.on('leader', () => headEnds.setActive(true));
    scheduler.on('follower', () => headEnds.setActive(false));
    if (scheduler.isLeader) headEnds.setActive(true);
    logger.info(
      {
        url,
        storage: config.storageDriver,
        redis: config.REDIS_URL ? 'external' : 'embedded',
        transcodeWorker: config.TRANSCODE_WORKER,
        sfu: config.SFU,
      },
      'Skyclass is listening',
    );
    return {
      core,
      server,
      url,
      worker,
      sfu,
      liveHls,
      scheduler,
      headEnds,
      passwords,
      metricsUrl: metricsServer ? urlOf(metricsServer) : undefined,
      close: () => closers.closeAll(),
    };
  });
}
