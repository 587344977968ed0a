/**
 * socket.io: signed-in pages get live updates. Today: lesson processing
 * progress and status, pushed to the uploading teacher and to reviewers
 * the moment the catalogue changes (every instance listens to the
 * catalogue's Redis channel, so it works with several instances).
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { SessionStore, type SessionEnded } from '../auth/SessionStore.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { AppError } from '../errors.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { MediaPlane } from '../cluster/ClusterMedia.ts';
import { attachLiveSignaling } from './liveSignaling.ts';
import { makeTokenAuthenticator } from '../http/authenticate.ts';
import { createAdapter } from '@socket.io/redis-adapter';
import { attachPresence } from './presence.ts';
import { PresenceStore } from '../presence/PresenceStore.ts';
import { attachClassRoom } from './classRoom.ts';
import { attachSideRoom } from './sideRoom.ts';
import { attachChannelFollow } from './channelFollow.ts';
import { attachSfuSignaling } from './sfuSignaling.ts';
import { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import { ignore } from '../../core/ignore.ts';
import type { IoServer, SocketData } from './events.ts';
import type {
  ClientToServerEvents,
  InterServerEvents,
  LessonUpdateEvent,
  ServerToClientEvents,
} from '../../contracts/realtime.ts';

export interface RealtimeDeps {
  sessions: SessionStore;
  store: DistrictStore;
  lessons: LessonStore;
  subscriber: Redis;
  logger: Logger;
  live: LiveStore;
  media?: MediaPlane;
  urlSigningKey: string;
  /** A normal connection (viewer counters). */
  redis: Redis;
  /** Two more connections for the socket.io Redis adapter (events reach sockets on every instance). */
  adapterPub?: Redis;
  adapterSub?: Redis;
  timeZone: string;
}

export const ADMINS_ROOM = 'role:admins';
export const userRoom = (id: string) => `user:${id}`;
const sessionRoom = (id: string) => `session:${id}`;

export class Realtime {
  readonly io: IoServer;
  readonly #d: RealtimeDeps;

  constructor(server: http.Server, d: RealtimeDeps) {
    this.#d = d;
    const byToken = makeTokenAuthenticator(d);
    this.io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(server, {
      path: '/socket.io',
      serveClient: false,
      cors: { origin: false },
      // WebSocket only: one connection per client, so any api instance behind a round-robin balancer serves it.
      transports: ['websocket'],
    });
    if (d.adapterPub && d.adapterSub) this.io.adapter(createAdapter(d.adapterPub, d.adapterSub));
    this.io.use(async (socket, next) => {
      try {
        const { user, sessionId } = await byToken((socket.handshake.auth as { token?: string }).token);
        socket.data.user = user;
        socket.data.sessionId = sessionId;
        next();
      } catch (e) {
        const err = new Error(e instanceof AppError ? e.message : 'authentication failed') as Error & {
          data?: unknown;
        };
        err.data = e instanceof AppError ? { code: e.code } : { code: 'INTERNAL' };
        next(err);
      }
    });
    this.io.on('connection', (socket) => {
      const { user, sessionId } = socket.data;
      void socket.join(userRoom(user.id));
      void socket.join(sessionRoom(sessionId));
      // Every event re-checks the session: one that ended (logout, reset, account off) does nothing more.
      socket.use((_packet, next) => {
        d.sessions.isActive(sessionId).then(
          (active) => {
            if (active) return next();
            const err = new Error('This session has ended. Please sign in again.') as Error & {
              data?: unknown;
            };
            err.data = { code: 'AUTH_SESSION_ENDED' };
            next(err);
            socket.disconnect(true);
          },
          (e: unknown) => next(e instanceof Error ? e : new Error(String(e))),
        );
      });
      socket.on('error', (err) => d.logger.debug({ err }, 'socket event refused'));
      if (user.role === 'district_admin' || user.role === 'school_admin') void socket.join(ADMINS_ROOM);
    });
    const live = attachLiveSignaling(this.io, {
      live: d.live,
      media: d.media,
      store: d.store,
      redis: d.redis,
      urlSigningKey: d.urlSigningKey,
      logger: d.logger,
    });
    attachPresence(this.io, {
      presence: new PresenceStore(d.redis),
      store: d.store,
      lessons: d.lessons,
      live: d.live,
      timeZone: d.timeZone,
      logger: d.logger,
    });
    attachClassRoom(this.io, { rooms: new ClassRoomStore(d.redis, { timeZone: d.timeZone }), store: d.store, logger: d.logger });
    const side = attachSideRoom(this.io, {
      media: d.media,
      store: d.store,
      redis: d.redis,
      logger: d.logger,
    });
    side.connect(attachSfuSignaling(this.io, { media: d.media, logger: d.logger, live, side: side.policy }));
    attachChannelFollow(this.io, d.logger);
    void d.subscriber
      .subscribe(LessonStore.CHANGES_CHANNEL, SessionStore.ENDED_CHANNEL)
      .catch(ignore('a subscription cut short by a shutdown', d.logger));
    d.subscriber.on('message', (channel: string, message: string) => {
      if (channel === LessonStore.CHANGES_CHANNEL) void this.#pushLesson(message);
      else if (channel === SessionStore.ENDED_CHANNEL) this.#endSockets(message);
    });
  }

  /** Every instance gets the message and closes its own sockets of that session or user. */
  #endSockets(message: string): void {
    let ended: SessionEnded;
    try {
      ended = JSON.parse(message) as SessionEnded;
    } catch (err) {
      this.#d.logger.warn({ err }, 'a malformed session-ended message on Redis was ignored');
      return;
    }
    const room = 'sessionId' in ended ? sessionRoom(ended.sessionId) : userRoom(ended.userId);
    const sockets = this.io.local.in(room);
    sockets.emit('session:ended', { code: 'AUTH_SESSION_ENDED' });
    sockets.disconnectSockets(true);
  }

  async #pushLesson(lessonId: string): Promise<void> {
    const l = await this.#d.lessons
      .get(lessonId)
      .catch(ignore('a lesson update for a lesson being deleted', this.#d.logger));
    if (!l) return;
    const event: LessonUpdateEvent = {
      id: l.id,
      status: l.status,
      review: l.review,
      progress: l.progress ?? null,
      error: l.error ?? null,
      durationSec: l.durationSec ?? null,
      updatedAt: l.updatedAt,
    };
    // Every instance hears the catalogue's channel: each tells its own sockets (once per client).
    this.io.local.to([userRoom(l.teacherId), ADMINS_ROOM]).emit('lesson:update', event);
  }

  async close(): Promise<void> {
    await this.#d.subscriber
      .unsubscribe(LessonStore.CHANGES_CHANNEL, SessionStore.ENDED_CHANNEL)
      .catch(ignore('unsubscribing at close', this.#d.logger));
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    // The Redis adapter subscribes (and publishes) without waiting for the answers; a connection cut
    // under those commands rejects promises nobody handles (a start that fails right after creating
    // it did so). A PING queued behind them returns once they are answered (one connection, in order).
    for (const c of [this.#d.adapterSub, this.#d.adapterPub]) {
      if (!c) continue;
      await Promise.race([c.ping().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      c.disconnect();
    }
  }
}
