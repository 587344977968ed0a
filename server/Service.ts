/**
 * Builds and starts one Skyclass server instance from a validated config:
 * Redis (embedded or external), storage, the HTTP app. Used by main.ts,
 * the demo command and the integration tests alike.
 */
import type { Supervision } from './supervision/Supervision.ts';
import type { Homework } from './homework/Homework.ts';
import type { Notices } from './family/Notices.ts';
import { Materials } from './materials/Materials.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { startCore, startTranscodeWorker, type Core } from './Core.ts';
import { createMetrics, observe, observeDuty, observePasswordHashes, type Metrics } from './metrics.ts';
import { createApp } from './http/createApp.ts';
import { hlsOriginFor } from './http/hlsOrigin.ts';
import type { AppDeps } from './http/AppDeps.ts';
import type { TranscodeWorker } from '../recordings/transcode/TranscodeWorker.ts';
import { Realtime } from './realtime/Realtime.ts';
import { announceSwitch } from './realtime/channelFollow.ts';
import type { LiveHlsManager } from './live/LiveHlsManager.ts';
import { Scheduler } from './scheduler/Scheduler.ts';
import { timetableSwitches } from './scheduler/timetableSwitches.ts';
import { TimetableStore } from './timetable/TimetableStore.ts';
import type { MediasoupSfu } from '../media/mediasoup/MediasoupSfu.ts';
import type { MediaPlane } from './cluster/ClusterMedia.ts';
import { HeadEnds, OutputStore } from './channels/HeadEnds.ts';
import type { PasswordHasher } from './auth/PasswordHasher.ts';
import { Closers } from '../core/Closers.ts';
import { DutyConsole } from './duty/DutyConsole.ts';
import { RequestStats } from './duty/RequestStats.ts';
import { NodeRegistry } from './cluster/NodeRegistry.ts';
import { ignore } from '../core/ignore.ts';
import {
  createChannels,
  createMediaNode,
  createMediaPlane,
  createNotifier,
  createPeople,
  createSignIn,
  createUploads,
  gradesOf,
  type MediaNodeParts,
} from './subsystems.ts';

export interface RunningService {
  core: Core;
  server: http.Server;
  url: string;
  worker?: TranscodeWorker;
  /** This process's media node (ROLES includes media): its mediasoup and live HLS pipelines. */
  sfu?: MediasoupSfu;
  liveHls?: LiveHlsManager;
  mediaNode?: MediaNodeParts;
  /** The media plane as this api instance drives it (rooms on any node). */
  media?: MediaPlane;
  scheduler: Scheduler;
  headEnds: HeadEnds;
  /** Password hashing (scrypt worker threads behind a bounded queue). */
  passwords: PasswordHasher;
  /** Requests and server errors per minute, shared by every instance (the duty console's error rate). */
  requestStats: RequestStats;
  /** Homework (set, submit, mark): for seeding benches and tests. */
  homework?: Homework;
  /** Notices to parents: tests run the absence sweep without waiting for its minute. */
  notices?: Notices;
  /** Supervision roll-ups: benches and tests summarise days without waiting for the sweep. */
  supervision?: Supervision;
  /** The internal metrics listener (METRICS_PORT), when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export type ServiceOptions = { liveCommandPrefix?: string[] };

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

/** This process's media node, started and put on the closer stack. */
async function startMediaNode(
  core: Core,
  logger: Logger,
  closers: Closers,
  metrics: Metrics,
  commandPrefix?: string[],
): Promise<MediaNodeParts | undefined> {
  const parts = await createMediaNode(core, logger, {
    commandPrefix,
    observe: {
      segmentStored: (s) => metrics.segmentWrite.observe(s),
      ffmpegRestarted: () => metrics.liveFfmpegRestarts.inc(),
    },
  });
  if (!parts) return undefined;
  observe(metrics, [
    ['skyclass_live_pipelines', 'Live HLS pipelines on this media node', () => parts.liveHls.size],
    ['skyclass_media_node_peers', 'WebRTC connections on this media node', () => parts.sfu.peerCount],
  ]);
  parts.node.serveMetrics(metrics.registry);
  closers.add('media node', () => parts.stop());
  await parts.node.start();
  return parts;
}

/** A process without the api role (ROLES=media and/or worker): a media node, a transcode worker, no public HTTP. */
export interface RunningNode {
  core: Core;
  mediaNode?: MediaNodeParts;
  worker?: TranscodeWorker;
  close(): Promise<void>;
}

/** What every process starts with: the core, its closer stack, and its media node when ROLES has media. */
async function startBase(config: Config, logger: Logger, opts: ServiceOptions) {
  const metrics = createMetrics();
  const core = await startCore(config, logger, (name) => metrics.childCrashes.inc({ process: name }));
  const closers = new Closers(logger);
  closers.add('core', () => core.close());
  const mediaNode = await closers.guard(async () =>
    config.ROLES.has('media')
      ? startMediaNode(core, logger, closers, metrics, opts.liveCommandPrefix)
      : undefined,
  );
  return { core, closers, mediaNode, metrics };
}

export async function startNode(
  config: Config,
  logger: Logger,
  opts: ServiceOptions = {},
): Promise<RunningNode> {
  const { core, closers, mediaNode } = await startBase(config, logger, opts);
  return closers.guard(async () => {
    const worker = config.ROLES.has('worker') ? startTranscodeWorker(core) : undefined;
    closers.add('transcode worker', () => worker?.close());
    logger.info(
      { roles: [...config.ROLES].join(','), mediaNode: mediaNode?.node.id, internalUrl: mediaNode?.node.url },
      'Skyclass node is running',
    );
    return { core, mediaNode, worker, close: () => closers.closeAll() };
  });
}

export async function startService(
  config: Config,
  logger: Logger,
  opts: ServiceOptions = {},
): Promise<RunningService> {
  const { core, closers, mediaNode, metrics } = await startBase(config, logger, opts);
  return closers.guard(async () => {
    const media = createMediaPlane(core, logger, mediaNode);
    if (media) {
      await media.start();
      closers.add('media plane', () => media.stop());
    }
    const ch = createChannels(core, logger);
    const { passwords, loginGuard } = createSignIn(core);
    closers.add('password workers', () => passwords.close());
    const notifier = createNotifier(core, logger);
    closers.add('notice deliveries', () => notifier.close());
    const people = createPeople(core, ch.timetableStore, {
      hashPassword: (pw) => passwords.hash(pw),
      notifier,
    });
    const stopAbsenceSweep = people.notices.start(
      ignore('the absence notice sweep (retried in a minute)', logger),
    );
    closers.add('absence notices', stopAbsenceSweep);
    if (config.SUPERVISION_SWEEP_EVERY > 0) {
      const stopSupervision = people.supervision.start(
        ignore('the supervision summaries (retried at the next sweep)', logger),
        config.SUPERVISION_SWEEP_EVERY,
      );
      closers.add('supervision summaries', stopSupervision);
    }
    observePasswordHashes(metrics, passwords);
    const homework = people.homework;
    const uploads = createUploads(core, logger, homework);
    closers.add('upload locks', () => uploads.close());
    const requestStats = new RequestStats(core.redis.redis);
    closers.add('request stats', async () => {
      requestStats.close();
      await requestStats.flush().catch(ignore('the last request counts while Redis is away', logger));
    });
    const duty = new DutyConsole({
      redis: core.redis.redis,
      timetable: ch.timetableStore,
      grades: gradesOf(core),
      lessons: core.lessons,
      live: core.live,
      outputs: ch.outputs,
      registry: new NodeRegistry(core.redis.redis),
      transcodes: core.transcodes,
      requests: requestStats,
      timeZone: config.TIMEZONE,
    });
    observeDuty(metrics, () => duty.snapshot());
    const isHttps = config.publicBaseUrl.startsWith('https://');
    const deps: AppDeps = {
      ...ch,
      ...people,
      logger,
      redis: core.redis.redis,
      store: core.store,
      sessions: core.sessions,
      storage: core.storage,
      lessons: core.lessons,
      live: core.live,
      media,
      requestStats,
      duty,
      transcodes: core.transcodes,
      uploads: uploads.server,
      homeworkUploads: uploads.homeworkServer,
      homework,
      materials: new Materials({
        redis: core.redis.redis,
        store: core.store,
        lessons: core.lessons,
        homework,
        timetable: ch.timetableStore,
        family: people.family,
      }),
      metrics,
      urlSigningKey: core.urlSigningKey,
      hlsMemoryCacheBytes: config.HLS_MEMORY_CACHE_MB * 1024 * 1024,
      passwords,
      loginGuard,
      secureCookies: isHttps,
      hsts: isHttps,
      metricsToken: config.METRICS_TOKEN,
      timeZone: config.TIMEZONE,
      webDistDir: config.WEB_DIST_DIR,
      trustProxy: config.TRUST_PROXY,
      responseCheck: config.API_RESPONSE_CHECK,
      isReady: async () => {
        try {
          await core.redis.redis.ping();
          await core.storage.head('.readyz-probe');
          return true;
        } catch (err) {
          logger.debug({ err }, 'not ready');
          return false;
        }
      },
    };
    // Replay and live HLS take the lean path in front of express (server/http/hlsOrigin.ts).
    const app = createApp(deps);
    const hls = hlsOriginFor(deps);
    const server = http.createServer((req, res) => {
      if (!hls.handle(req, res)) app(req, res);
    });
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
      media,
      urlSigningKey: core.urlSigningKey,
      redis: core.redis.redis,
      subscriber: core.redis.duplicate(),
      adapterPub: core.redis.duplicate(),
      adapterSub: core.redis.duplicate(),
      timeZone: config.TIMEZONE,
      logger,
    });
    closers.add('socket.io', () => realtime.close());
    observe(metrics, [
      [
        'skyclass_socketio_clients',
        'socket.io clients connected to this instance',
        () => realtime.io.engine.clientsCount,
      ],
    ]);
    const worker =
      config.ROLES.has('worker') && config.TRANSCODE_WORKER === 'in-process'
        ? startTranscodeWorker(core)
        : undefined;
    closers.add('transcode worker', () => worker?.close());
    // The channel scheduler: in every instance, one leader at a time (Redis lock + fencing token).
    const schedulerRedis = core.redis.duplicate();
    const scheduler = new Scheduler({
      redis: schedulerRedis,
      replicated: !!config.REDIS_SENTINELS,
      switches: timetableSwitches(
        ch.timetableStore,
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
      store: ch.outputs,
      baseUrl: () => listeningUrl,
      logger: logger.child({ component: 'head-ends' }),
      ffmpeg: config.FFMPEG_BIN,
      allowed: ch.headEndAllowed,
      // 720p when every lesson of the channel's days has it, else the best rung they all have.
      renditionFor: async (channel) => {
        const rungs = await ch.channels.rungs(Number(channel.replace('grade-', '')));
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
    // A fired switch reaches the channel's open pages (every instance, through the Redis adapter).
    scheduler.on('fired', (s, lateMs) => {
      metrics.switchLateness.observe(lateMs / 1000);
      announceSwitch(realtime.io, s);
    });
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
        redis: config.REDIS_SENTINELS ? 'sentinel' : config.REDIS_URL ? 'external' : 'embedded',
        transcodeWorker: config.TRANSCODE_WORKER,
        sfu: config.SFU,
        roles: [...config.ROLES].join(','),
        mediaNode: mediaNode?.node.id,
      },
      'Skyclass is listening',
    );
    return {
      core,
      server,
      url,
      worker,
      sfu: mediaNode?.sfu,
      liveHls: mediaNode?.liveHls,
      mediaNode,
      media,
      scheduler,
      headEnds,
      passwords,
      requestStats,
      homework,
      notices: people.notices,
      supervision: people.supervision,
      metricsUrl: metricsServer ? urlOf(metricsServer) : undefined,
      close: () => closers.closeAll(),
    };
  });
}
