/**
 * Subsystem factories: each builds one part of the service from the core
 * (config, Redis, stores, storage) and nothing else, so the service
 * (Service.ts), the stand-alone worker and the benchmarks wire a part the
 * same way. What a factory starts, the caller releases (Service.ts puts it
 * on its closer stack).
 */
import { AttendanceMarks, checkInCode } from './presence/AttendanceMarks.ts';
import { DEFAULT_ATTENDANCE_RETENTION_DAYS } from './timetable/model.ts';
import { createHomeworkUploadServer } from './homework/homeworkUploads.ts';
import { Homework } from './homework/Homework.ts';
import { Family } from './family/Family.ts';
import { ClassTimetable } from './timetable/ClassTimetable.ts';
import { Notices } from './family/Notices.ts';
import { inAppOnly, QueuedNotifier, WebhookDriver, type Notifier } from './notify/Notifier.ts';
import { generatePassword } from './auth/passwords.ts';
import path from 'node:path';
import type { Core } from './Core.ts';
import type { Logger } from './logger.ts';
import { TimetableStore } from './timetable/TimetableStore.ts';
import { TimetableService } from './timetable/TimetableService.ts';
import { SlateService } from './channels/SlateService.ts';
import { ChannelService } from './channels/ChannelService.ts';
import { ChannelGuide } from './channels/ChannelGuide.ts';
import { OnAir } from './channels/OnAir.ts';
import { OutputStore } from './channels/HeadEnds.ts';
import { DestinationAllowList } from '../media/channel/headEnd.ts';
import { PresenceStore } from './presence/PresenceStore.ts';
import { Supervision } from './supervision/Supervision.ts';
import { ClassRoomStore } from './classroom/ClassRoomStore.ts';
import { AuditLog } from './privacy/AuditLog.ts';
import { AttendanceReport } from './presence/AttendanceReport.ts';
import type { PersonalDataDeps } from './privacy/personalData.ts';
import { PasswordHasher } from './auth/PasswordHasher.ts';
import { LoginGuard } from './auth/LoginGuard.ts';
import { deriveKey } from './auth/tokens.ts';
import { MediasoupSfu } from '../media/mediasoup/MediasoupSfu.ts';
import { finishLiveReplay, LiveHlsManager, type LiveHlsManagerDeps } from './live/LiveHlsManager.ts';
import { RedisLiveHlsState } from './live/LiveHlsState.ts';
import { MediaNode } from './cluster/MediaNode.ts';
import { NodeRegistry } from './cluster/NodeRegistry.ts';
import { ClusterMedia } from './cluster/ClusterMedia.ts';
import { RedisLocker } from './cluster/RedisLocker.ts';
import { nodeApi } from './cluster/nodeApi.ts';
import { PeerOwners } from './cluster/PeerOwners.ts';
import { createUploadServer } from './http/uploads.ts';
import { bearerToken, makeTokenAuthenticator } from './http/authenticate.ts';
import { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import { acceptUpload } from './lessons/acceptUpload.ts';
import { ignore } from '../core/ignore.ts';

/** The district's grade numbers, read each time (an admin may add grades). */
export const gradesOf = (core: Core) => async () =>
  new Set((await core.store.listGrades()).map((g) => g.number));

/** The timetable, the grade channels (playlists, slates, guide) and their head-end outputs. */
export function createChannels(core: Core, logger: Logger) {
  const { config } = core;
  const redis = core.redis.redis;
  const timetableStore = new TimetableStore(redis);
  const grades = gradesOf(core);
  const slates = new SlateService({
    redis,
    storage: core.storage,
    workDir: path.join(config.dataDir, 'work', 'slates'),
    logger: logger.child({ component: 'slates' }),
    ffmpeg: config.FFMPEG_BIN,
  });
  const channels = new ChannelService({
    storage: core.storage,
    timetable: timetableStore,
    lessons: core.lessons,
    slates,
    timeZone: config.TIMEZONE,
    logger: logger.child({ component: 'channels' }),
    checkInCode: (grade, date, slotId) => checkInCode(checkInKeyOf(core), grade, date, slotId),
  });
  return {
    timetableStore,
    timetable: new TimetableService({
      store: timetableStore,
      lessons: core.lessons,
      grades,
      timeZone: config.TIMEZONE,
    }),
    slates,
    channels,
    onAir: new OnAir({
      timetable: timetableStore,
      lessons: core.lessons,
      live: core.live,
      timeZone: config.TIMEZONE,
    }),
    guide: new ChannelGuide({
      timetable: timetableStore,
      grades,
      timeZone: config.TIMEZONE,
      lessonTitle: async (id) => (await core.lessons.get(id))?.title,
      nowPlaying: (grade) => channels.nowPlaying(grade),
      checkInCode: (grade, date, slotId) => checkInCode(checkInKeyOf(core), grade, date, slotId),
    }),
    outputs: new OutputStore(redis),
    headEndAllowed: new DestinationAllowList(config.HEAD_END_ALLOWED),
  };
}
export type Channels = ReturnType<typeof createChannels>;

/** Notices leave through the district's webhook when one is configured; in-app only otherwise. */
export function createNotifier(core: Core, logger: Logger): Notifier {
  const { config } = core;
  if (!config.NOTIFY_WEBHOOK_URL || !config.NOTIFY_WEBHOOK_SECRET) return inAppOnly;
  return new QueuedNotifier({
    queueConnection: core.redis.duplicate({ maxRetriesPerRequest: null }),
    workerConnection: core.redis.duplicate({ maxRetriesPerRequest: null }),
    driver: new WebhookDriver(config.NOTIFY_WEBHOOK_URL, config.NOTIFY_WEBHOOK_SECRET),
    logger: logger.child({ component: 'notify' }),
  });
}

/**
 * Presence, attendance, homework, parents and their notices, class rooms,
 * the audit log and people's data rights. `hashPassword` makes parent
 * accounts; `notifier` takes notices out to parents' phones.
 */
export function createPeople(
  core: Core,
  timetableStore: TimetableStore,
  opts: { hashPassword: (pw: string) => Promise<string>; notifier: Notifier },
) {
  const { config } = core;
  const redis = core.redis.redis;
  // The district's retention of attendance records, read at most once a minute.
  let retention = { at: 0, days: DEFAULT_ATTENDANCE_RETENTION_DAYS };
  const retentionDays = async () => {
    if (Date.now() - retention.at > 60_000) {
      const days =
        (await timetableStore.rules()).attendanceRetentionDays ?? DEFAULT_ATTENDANCE_RETENTION_DAYS;
      retention = { at: Date.now(), days };
    }
    return retention.days;
  };
  const presence = new PresenceStore(redis, retentionDays);
  const audit = new AuditLog(redis);
  const marks = new AttendanceMarks(redis, retentionDays);
  const homework = new Homework({
    redis,
    store: core.store,
    timetable: timetableStore,
    storage: core.storage,
    timeZone: config.TIMEZONE,
  });
  const rooms = new ClassRoomStore(redis, { timeZone: config.TIMEZONE });
  const rules = {
    lateAfterSec: config.ATTENDANCE_LATE_AFTER / 1000,
    presentPercent: config.ATTENDANCE_PRESENT_PERCENT,
  };
  const attendance = new AttendanceReport({
    store: core.store,
    presence,
    timetable: timetableStore,
    rules,
    timeZone: config.TIMEZONE,
    marks,
    checkInKey: checkInKeyOf(core),
    audit,
  });
  const classTimetable = new ClassTimetable({
    redis,
    store: core.store,
    timetable: timetableStore,
    timeZone: config.TIMEZONE,
  });
  const family = new Family({
    redis,
    store: core.store,
    attendance,
    homework,
    classTimetable,
    hashPassword: opts.hashPassword,
    generatePassword,
    timeZone: config.TIMEZONE,
  });
  homework.family = family;
  const notices = new Notices({
    redis,
    store: core.store,
    family,
    attendance,
    timetable: timetableStore,
    grades: gradesOf(core),
    notifier: opts.notifier,
    timeZone: config.TIMEZONE,
    publicBaseUrl: core.publicBaseUrl,
    absenceAfterMs: config.ABSENCE_NOTICE_AFTER,
  });
  const personal: PersonalDataDeps = {
    store: core.store,
    sessions: core.sessions,
    lessons: core.lessons,
    presence,
    rooms,
    timetable: timetableStore,
    audit,
    timeZone: config.TIMEZONE,
    attendance: rules,
    homework,
    marks,
    family,
  };
  const supervision = new Supervision({
    redis,
    store: core.store,
    attendance,
    homework,
    rooms,
    timeZone: config.TIMEZONE,
  });
  return {
    presence,
    rooms,
    personal,
    supervision,
    homework,
    attendance,
    family,
    notices,
    classTimetable,
    attendanceRules: rules,
  };
}

/** The key the slots' TV check-in codes are derived from (the same on every instance). */
const checkInKeyOf = (core: Core) => deriveKey(core.urlSigningKey, 'tv-check-in');

/** Password hashing (worker threads, bounded) and the sign-in limits in front of it. */
export function createSignIn(core: Core) {
  const { config } = core;
  return {
    passwords: new PasswordHasher({
      concurrency: config.PASSWORD_HASH_CONCURRENCY,
      cost: config.PASSWORD_HASH_COST,
    }),
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
  };
}

export interface LiveOptions {
  /** Runs the live ffmpeg through this prefix (tests: a network namespace). */
  commandPrefix?: string[];
  /** Metrics of the live pipelines. */
  observe?: LiveHlsManagerDeps['observe'];
}

/** The internal API key of the media nodes (derived from the district's secret: every node and api instance has it). */
export const mediaNodeKey = (core: Core) => deriveKey(core.urlSigningKey, 'media-node');

/** Each live lesson's published segments in Redis (shared by every node and api instance). */
const liveHlsState = (core: Core) => (lessonId: string) => new RedisLiveHlsState(core.redis.redis, lessonId);

/**
 * A media node (ROLES=media): mediasoup, the live HLS pipelines of its rooms, its internal API and
 * heartbeat. Nothing when SFU=off.
 */
export async function createMediaNode(core: Core, logger: Logger, opts: LiveOptions = {}) {
  const { config } = core;
  if (config.SFU === 'off') return undefined;
  const [min, max] = config.MEDIASOUP_RTC_PORTS.split('-').map(Number) as [number, number];
  const sfu = new MediasoupSfu({
    logger: logger.child({ component: 'mediasoup' }),
    workers: config.MEDIASOUP_WORKERS,
    rtcPorts: { min, max },
    listenIp: config.MEDIASOUP_LISTEN_IP,
    announcedIp: config.MEDIASOUP_ANNOUNCED_IP,
  });
  try {
    await sfu.start();
  } catch (err) {
    await sfu.stop().catch(ignore('stopping a mediasoup that failed to start', logger));
    throw new Error(
      `Could not start mediasoup (${(err as Error).message}). Build its worker with "npm run setup", or set SFU=off to run without live lessons.`,
      { cause: err },
    );
  }
  const liveHls = new LiveHlsManager({
    storage: core.storage,
    lessons: core.lessons,
    live: core.live,
    sfu,
    state: liveHlsState(core),
    dataDir: config.dataDir,
    logger,
    ffmpeg: config.FFMPEG_BIN,
    commandPrefix: opts.commandPrefix,
    observe: opts.observe,
  });
  const owners = new PeerOwners();
  const node = new MediaNode({
    sfu,
    owners,
    api: nodeApi(sfu, liveHls, owners),
    registry: new NodeRegistry(core.redis.redis),
    redis: core.redis.redis,
    key: mediaNodeKey(core),
    host: config.MEDIA_NODE_HOST,
    port: config.MEDIA_NODE_PORT,
    url: config.MEDIA_NODE_URL,
    maxLoad: config.MEDIA_NODE_MAX_PEERS,
    orphanGraceMs: config.MEDIA_NODE_ORPHAN_GRACE,
    metricsToken: config.METRICS_TOKEN,
    logger: logger.child({ component: 'media-node' }),
  });
  return {
    sfu,
    liveHls,
    node,
    async stop() {
      await node.stop();
      await liveHls.closeAll();
      await sfu.stop();
    },
  };
}
export type MediaNodeParts = NonNullable<Awaited<ReturnType<typeof createMediaNode>>>;

/** The media plane as api instances drive it: rooms placed on media nodes through Redis. Nothing when SFU=off. */
export function createMediaPlane(
  core: Core,
  logger: Logger,
  local?: MediaNodeParts,
): ClusterMedia | undefined {
  if (core.config.SFU === 'off') return undefined;
  const state = liveHlsState(core);
  return new ClusterMedia({
    registry: new NodeRegistry(core.redis.redis),
    redis: core.redis.redis,
    roomShare: core.config.MEDIA_ROOM_NODE_SHARE,
    subscriber: core.redis.duplicate(),
    key: mediaNodeKey(core),
    local: local?.node,
    finishLive: (l) => finishLiveReplay({ storage: core.storage, lessons: core.lessons, state }, l),
    logger: logger.child({ component: 'media-plane' }),
  });
}

/** The tus upload server: a finished upload becomes a lesson with a transcode job. */
export function createUploads(core: Core, logger: Logger, homework: Homework) {
  const { config } = core;
  const byToken = makeTokenAuthenticator(core);
  const locker = new RedisLocker({
    redis: core.redis.redis,
    subscriber: core.redis.duplicate(),
    logger: logger.child({ component: 'upload-lock' }),
  });
  const server = createUploadServer({
    dir: config.UPLOAD_DIR ? path.resolve(config.UPLOAD_DIR) : path.join(config.dataDir, 'uploads'),
    locker,
    expiryMs: config.UPLOAD_EXPIRY,
    maxSize: config.UPLOAD_MAX_SIZE,
    storage: core.storage,
    logger,
    authenticate: async (authorization) => (await byToken(bearerToken(authorization))).user,
    gradeExists: async (g) => (await gradesOf(core)()).has(g),
    classOf: (id) => core.store.getClass(id),
    newLessonId: LessonStore.newId,
    onUploaded: (user, u) => acceptUpload(core, logger, user, u),
  });
  // Homework photos, recordings and worksheets: the same lock, their own folder and limits.
  const homeworkServer = createHomeworkUploadServer({
    dir: path.join(
      config.UPLOAD_DIR ? path.resolve(config.UPLOAD_DIR) : path.join(config.dataDir, 'uploads'),
      'homework',
    ),
    locker,
    expiryMs: config.UPLOAD_EXPIRY,
    storage: core.storage,
    logger,
    authenticate: async (authorization) => (await byToken(bearerToken(authorization))).user,
    onFile: (user, file, key) => homework.addFile(user, file, key),
  });
  return { server, homeworkServer, close: () => locker.close() };
}
