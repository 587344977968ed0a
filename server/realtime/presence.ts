/**
 * Presence over socket.io: students' players send heartbeats
 * (`presence:beat`), close tabs (`presence:leave`) or drop their socket;
 * the class's staff (co-teachers, the class teacher, admins) subscribe to a
 * class (`presence:subscribe`) and get `presence:update` the moment a
 * student arrives, switches or leaves. With the Redis adapter the update
 * reaches staff connected to any instance.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import { canViewRoster } from '../auth/policy.ts';
import { localDate } from '../timetable/epg.ts';
import { WATCH_KINDS, type WatchKind } from '../presence/attendance.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import { gradesOf } from '../district/gradesOf.ts';
import { canViewLesson } from '../lessons/lessonPolicy.ts';
import { canWatchLive } from '../live/livePolicy.ts';
import { PresenceStore, type Beat, type PresenceChange, type Viewing } from '../presence/PresenceStore.ts';
import { ignore } from '../../core/ignore.ts';

export const classStaffRoom = (classId: string) => `class:${classId}:staff`;

export interface PresenceUpdate {
  classId: string;
  studentId: string;
  change: PresenceChange;
  /** What the student watches now on any tab (empty: left). */
  viewings: Viewing[];
  at: number;
}

const beatSchema = z.object({
  kind: z.enum(WATCH_KINDS),
  ref: z.string().regex(/^[\w-]{1,64}$/),
  title: z.string().max(120).optional(),
  position: z.number().min(0).max(86_400).default(0),
  device: z.enum(['phone', 'tablet', 'desktop', 'tv']).default('desktop'),
  tab: z.string().regex(/^[\w-]{6,40}$/),
});

export interface PresenceDeps {
  presence: PresenceStore;
  store: DistrictStore;
  lessons: LessonStore;
  live: LiveStore;
  timeZone: string;
  logger: Logger;
}

type Ack = (r: { ok?: true; error?: { code: string; message: string } }) => void;

export function attachPresence(io: Server, d: PresenceDeps): void {
  const push = async (user: User, change: PresenceChange) => {
    if (change === 'same' || change === 'none') return;
    const classId = user.classIds?.[0];
    if (!classId) return;
    const viewings = (await d.presence.current([user.id])).get(user.id) ?? [];
    const update: PresenceUpdate = { classId, studentId: user.id, change, viewings, at: Date.now() };
    io.to(classStaffRoom(classId)).emit('presence:update', update);
  };

  /** Whether the student may watch what the beat names (a faked beat must not count as attendance). */
  const mayWatch = async (user: User, kind: WatchKind, ref: string): Promise<boolean> => {
    const grades = await gradesOf(d.store, user);
    if (kind === 'channel') {
      const m = /^grade-(\d{1,2})$/.exec(ref);
      return !!m && grades.includes(Number(m[1]));
    }
    if (kind === 'vod') {
      const l = await d.lessons.get(ref);
      return !!l && canViewLesson(user, l, grades);
    }
    const l = await d.live.get(ref);
    return !!l && canWatchLive(user, l, grades);
  };

  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as User;
    const tabs = new Set<string>();
    /** What this socket was already allowed to watch (kind:ref), so a beat every 5 s is one check, once. */
    const allowed = new Set<string>();
    const date = () => localDate(d.timeZone);

    socket.on('presence:beat', async (raw: unknown, ack?: Ack) => {
      if (user.role !== 'student')
        return ack?.({ error: { code: 'FORBIDDEN_ROLE', message: 'Only students send presence.' } });
      const parsed = beatSchema.safeParse(raw);
      if (!parsed.success)
        return ack?.({
          error: { code: 'VALIDATION_FAILED', message: parsed.error.issues.map((i) => i.message).join('; ') },
        });
      try {
        const b = parsed.data as Beat;
        const what = `${b.kind}:${b.ref}`;
        if (!allowed.has(what)) {
          if (!(await mayWatch(user, b.kind, b.ref)))
            return ack?.({
              error: {
                code: 'FORBIDDEN_SCOPE',
                message: 'This is not a lesson or channel of your grade, so it does not count as attendance.',
              },
            });
          if (allowed.size > 100) allowed.clear();
          allowed.add(what);
        }
        tabs.add(b.tab);
        const change = await d.presence.beat(user.id, b, date());
        await push(user, change);
        ack?.({ ok: true });
      } catch (err) {
        d.logger.warn({ err }, 'presence beat failed');
        ack?.({ error: { code: 'INTERNAL', message: 'Presence could not be recorded.' } });
      }
    });

    socket.on('presence:leave', async (raw: { tab?: string } | undefined, ack?: Ack) => {
      const tab = raw?.tab;
      if (user.role !== 'student' || !tab || !tabs.has(tab)) return ack?.({ ok: true });
      tabs.delete(tab);
      await push(user, await d.presence.leave(user.id, tab, date()));
      ack?.({ ok: true });
    });

    socket.on('disconnect', () => {
      for (const tab of tabs)
        void d.presence
          .leave(user.id, tab, date())
          .then((c) => push(user, c))
          .catch(ignore('closing the viewings of a socket that left', d.logger));
    });

    socket.on('presence:subscribe', async (raw: { classId?: string } | undefined, ack?: Ack) => {
      const cls = raw?.classId ? await d.store.getClass(raw.classId) : undefined;
      if (!cls) return ack?.({ error: { code: 'NOT_FOUND', message: 'This class was not found.' } });
      if (!canViewRoster(user, cls))
        return ack?.({
          error: {
            code: 'FORBIDDEN_SCOPE',
            message: 'Only the teachers of this class and admins can follow it.',
          },
        });
      await socket.join(classStaffRoom(cls.id));
      ack?.({ ok: true });
    });
    socket.on('presence:unsubscribe', async (raw: { classId?: string } | undefined) => {
      if (raw?.classId) await socket.leave(classStaffRoom(raw.classId));
    });
  });
}
