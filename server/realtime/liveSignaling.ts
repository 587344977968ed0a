/**
 * Live lessons on the SFU: who may do what in a lesson's room (the policy
 * sfuSignaling.ts asks), and what follows from it. Publishing needs the
 * lesson's lead teacher (or an admin) AND a publish token the server signed
 * for that lesson and that user, and the lesson must be live; watching needs
 * the grade. The teacher's camera and microphone up → live HLS starts (or
 * is pointed at the new stream) and viewers waiting in the lesson's room are
 * told (`live:publisher`); viewers are counted in Redis (every instance);
 * `live:screen` switches live HLS to the shared screen and back.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import { gradesOf } from '../district/gradesOf.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { LiveLesson } from '../live/LiveLesson.ts';
import { canRunLive, canWatchLive, currentPublisher, verifyPublishToken } from '../live/livePolicy.ts';
import type { MediaPlane } from '../cluster/ClusterMedia.ts';
import type { Logger } from '../logger.ts';
import { handle, type IoServer } from './events.ts';
import type { PolicyFactory, RoomPolicy } from './sfuSignaling.ts';
import { broadcastRoom } from '../live/broadcastRoom.ts';

export interface LiveSignalingDeps {
  live: LiveStore;
  media?: MediaPlane;
  store: DistrictStore;
  redis: Redis;
  urlSigningKey: string;
  logger: Logger;
}

/** A lesson's viewers: one entry per viewing page, scored by when it expires (its instance refreshes it). */
const viewersKey = (lessonId: string) => `sc:live:viewers:${lessonId}`;
/** Entries of a crashed instance expire after this; live instances refresh theirs 3× as often. */
export const LIVE_PRESENCE_TTL_MS = 45_000;
/** Viewers of a lesson now, on every instance (entries of a crashed instance have expired). */
export const liveViewers = (redis: Redis, lessonId: string): Promise<number> =>
  redis.zcount(viewersKey(lessonId), Date.now(), '+inf');

export const liveRoom = (lessonId: string) => `live:${lessonId}`;

export function attachLiveSignaling(io: IoServer, d: LiveSignalingDeps): PolicyFactory {
  const liveLesson = async (lessonId: string) => {
    const l = await d.live.get(lessonId);
    if (!l) throw new AppError('NOT_FOUND', 'This live lesson does not exist.');
    return l;
  };

  /** This instance's viewers (peer → lesson) and publishers (lesson → user), refreshed in Redis. */
  const viewing = new Map<string, string>();
  const publishing = new Map<string, string>();
  const until = () => new Date(Date.now() + LIVE_PRESENCE_TTL_MS).toISOString();
  const refresh = setInterval(() => {
    if (!viewing.size && !publishing.size) return; // nothing of this instance to keep alive
    const at = Date.now() + LIVE_PRESENCE_TTL_MS;
    const m = d.redis.multi();
    for (const [peerId, lessonId] of viewing) m.zadd(viewersKey(lessonId), at, peerId);
    void m.exec().catch((err: Error) => d.logger.warn({ err }, 'refreshing live viewers failed'));
    for (const [lessonId, userId] of publishing)
      void d.live
        .transition(lessonId, ['live'], { publisherId: userId, publisherUntil: until() })
        .catch((err: Error) => d.logger.warn({ err }, 'refreshing the live publisher failed'));
  }, LIVE_PRESENCE_TTL_MS / 3);
  refresh.unref();
  io.engine.on('close', () => clearInterval(refresh));

  /** Counts a viewer in or out (Redis, shared by every instance) and tells the lesson's room the new count. */
  const countViewers = async (lessonId: string, peerId: string, joined: boolean) => {
    const key = viewersKey(lessonId);
    const now = Date.now();
    if (joined) viewing.set(peerId, lessonId);
    else viewing.delete(peerId);
    const m = d.redis.multi();
    if (joined) m.zadd(key, now + LIVE_PRESENCE_TTL_MS, peerId);
    else m.zrem(key, peerId);
    const res = await m
      .zremrangebyscore(key, '-inf', now)
      .zcard(key)
      .pexpire(key, LIVE_PRESENCE_TTL_MS * 2)
      .exec();
    const n = Number(res?.at(-2)?.[1] ?? 0);
    io.to(liveRoom(lessonId)).emit('live:viewers', { lessonId, viewers: n });
  };

  /** Live HLS follows the teacher once both microphone and camera are up. */
  const startHls = async (l: LiveLesson, userId: string) => {
    const media = d.media;
    if (!media) return;
    const mine = (await media.producers(l.roomId)).filter((p) => p.userId === userId);
    if (!mine.some((p) => p.source === 'mic') || !mine.some((p) => p.source === 'camera')) return;
    // A moment for DTLS to finish and the first packets to arrive before asking for a keyframe.
    setTimeout(() => {
      media
        .hlsPublished(l, userId)
        .catch((err: Error) => d.logger.error({ err, lessonId: l.id }, 'live HLS could not start'));
    }, 500);
  };

  io.on('connection', (socket) => {
    const user = socket.data.user;
    handle(
      socket,
      'live:screen',
      {
        logger: d.logger,
        failed: 'live screen switch failed',
        internalMessage: 'The screen could not be switched. Try again.',
      },
      async (p) => {
        const l = await liveLesson(p.lessonId);
        if (currentPublisher(l) !== user.id)
          throw new AppError('FORBIDDEN_ROLE', 'Only the broadcasting teacher can switch the screen.');
        await d.live.transition(l.id, ['live'], { screenOn: p.on });
        await d.media?.hlsSource(l, user.id, p.on ? 'screen' : 'camera');
        io.to(liveRoom(l.id)).emit('live:screen', { lessonId: l.id, on: p.on });
        return { ok: true };
      },
    );
  });

  return async (user: User, room): Promise<RoomPolicy> => {
    if (room.kind !== 'live') throw new AppError('BAD_REQUEST', 'Not a live lesson room.');
    const l = await liveLesson(room.lessonId);
    if (!canWatchLive(user, l, await gradesOf(d.store, user)))
      throw new AppError('FORBIDDEN_SCOPE', 'This live lesson is for another grade.');
    const viewer = !canRunLive(user, l);
    return {
      sfuRoomId: l.roomId,
      socketRoom: liveRoom(l.id),
      roomKey: `live:${l.id}`,
      viewer,
      async join() {
        const now = await liveLesson(l.id);
        if (now.status !== 'live')
          throw new AppError(
            'CONFLICT',
            now.status === 'ended'
              ? 'This lesson has ended; its replay is in the lessons list.'
              : 'The teacher is not broadcasting yet. The page will connect when the lesson starts.',
          );
        if (!d.media) throw new AppError('NOT_READY', 'Live lessons are off on this server (SFU=off).');
        await d.media.ensureRoom(broadcastRoom(now));
      },
      async produce(_source, publishToken) {
        if (!canRunLive(user, l))
          throw new AppError('FORBIDDEN_ROLE', 'Only the lesson’s lead teacher can broadcast into it.');
        const verdict = verifyPublishToken(d.urlSigningKey, publishToken, l.id, user.id);
        if (verdict === 'expired')
          throw new AppError(
            'AUTH_TOKEN_EXPIRED',
            'The broadcast permission has expired. Reload the studio page.',
          );
        if (verdict !== 'ok')
          throw new AppError(
            'AUTH_TOKEN_INVALID',
            'This broadcast permission is not valid. Start the lesson from the studio page.',
          );
        if ((await liveLesson(l.id)).status !== 'live')
          throw new AppError('CONFLICT', 'Press "go live" first; this lesson is not live.');
      },
      async onJoined(peerId) {
        if (viewer) await countViewers(l.id, peerId, true);
      },
      async onProduced(info) {
        publishing.set(l.id, user.id);
        await d.live.transition(l.id, ['live'], { publisherId: user.id, publisherUntil: until() });
        if (info.source === 'camera' || info.source === 'mic') {
          await startHls(l, user.id);
          if (info.source === 'camera') io.to(liveRoom(l.id)).emit('live:publisher', { lessonId: l.id });
        }
      },
      async onAdopted(peerId, producers) {
        if (viewer) await countViewers(l.id, peerId, true);
        if (producers.length > 0) {
          publishing.set(l.id, user.id);
          await d.live.transition(l.id, ['live'], { publisherId: user.id, publisherUntil: until() });
        }
      },
      async onLeft(peerId, wasPublishing) {
        if (viewer) await countViewers(l.id, peerId, false);
        if (wasPublishing) {
          publishing.delete(l.id);
          await d.live.transition(l.id, ['live'], { publisherId: undefined, publisherUntil: undefined });
        }
      },
    };
  };
}
