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
import type { SessionStore } from '../auth/SessionStore.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { AppError } from '../errors.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { Sfu } from '../../media/sfu/Sfu.ts';
import { attachLiveSignaling } from './liveSignaling.ts';
import type { LiveHlsManager } from '../live/LiveHlsManager.ts';
import { makeTokenAuthenticator } from '../http/authenticate.ts';
import { createAdapter } from '@socket.io/redis-adapter';
import { attachPresence } from './presence.ts';
import { PresenceStore } from '../presence/PresenceStore.ts';
import { attachClassRoom } from './classRoom.ts';
import { attachSideRoom } from './sideRoom.ts';
import { ClassRoomStore } from '../classroom/ClassRoomStore.ts';

export interface RealtimeDeps {
  sessions: SessionStore;
  store: DistrictStore;
  lessons: LessonStore;
  subscriber: Redis;
  logger: Logger;
  live: LiveStore;
  sfu?: Sfu;
  liveHls?: LiveHlsManager;
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

export class Realtime {
  readonly io: Server;
  readonly #d: RealtimeDeps;

  constructor(server: http.Server, d: RealtimeDeps) {
    this.#d = d;
    const byToken = makeTokenAuthenticator(d);
    this.io = new Server(server, { path: '/socket.io', serveClient: false, cors: { origin: false } });
    if (d.adapterPub && d.adapterSub) this.io.adapter(createAdapter(d.adapterPub, d.adapterSub));
    this.io.use(async (socket, next) => {
      try {
        const { user } = await byToken((socket.handshake.auth as { token?: string }).token);
        socket.data.user = user;
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
      const user = socket.data.user as { id: string; role: string };
      void socket.join(userRoom(user.id));
      if (user.role === 'district_admin' || user.role === 'school_admin') void socket.join(ADMINS_ROOM);
    });
    attachLiveSignaling(this.io, {
      live: d.live,
      sfu: d.sfu,
      liveHls: d.liveHls,
      store: d.store,
      redis: d.redis,
      urlSigningKey: d.urlSigningKey,
      logger: d.logger,
    });
    attachPresence(this.io, {
      presence: new PresenceStore(d.redis),
      store: d.store,
      timeZone: d.timeZone,
      logger: d.logger,
    });
    attachClassRoom(this.io, { rooms: new ClassRoomStore(d.redis), store: d.store, logger: d.logger });
    attachSideRoom(this.io, { sfu: d.sfu, store: d.store, redis: d.redis, logger: d.logger });
    void d.subscriber.subscribe(LessonStore.CHANGES_CHANNEL);
    d.subscriber.on('message', (channel, lessonId) => {
      if (channel !== LessonStore.CHANGES_CHANNEL) return;
      void this.#pushLesson(lessonId);
    });
  }

  async #pushLesson(lessonId: string): Promise<void> {
    const l = await this.#d.lessons.get(lessonId).catch(() => undefined);
    if (!l) return;
    const event = {
      id: l.id,
      status: l.status,
      review: l.review,
      progress: l.progress ?? null,
      error: l.error ?? null,
      durationSec: l.durationSec ?? null,
      updatedAt: l.updatedAt,
    };
    this.io.to([userRoom(l.teacherId), ADMINS_ROOM]).emit('lesson:update', event);
  }

  async close(): Promise<void> {
    await this.#d.subscriber.unsubscribe(LessonStore.CHANGES_CHANNEL).catch(() => undefined);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.#d.adapterPub?.disconnect();
    this.#d.adapterSub?.disconnect();
  }
}
