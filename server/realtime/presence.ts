/**
 * Presence over socket.io: students' players send heartbeats
 * (`presence:beat`), close tabs (`presence:leave`) or drop their socket;
 * the class's staff (co-teachers, the class teacher, admins) subscribe to a
 * class (`presence:subscribe`) and get `presence:update` the moment a
 * student arrives, switches or leaves. With the Redis adapter the update
 * reaches staff connected to any instance.
 */
import type { Logger } from '../logger.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import { canViewRoster } from '../auth/policy.ts';
import { localDate } from '../timetable/epg.ts';
import type { WatchKind } from '../presence/attendance.ts';
import { AppError } from '../errors.ts';
import { handle, type IoServer } from './events.ts';
import type { PresenceUpdate } from '../../contracts/realtime.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import { gradesOf } from '../district/gradesOf.ts';
import { canViewLesson } from '../lessons/lessonPolicy.ts';
import { canWatchLive } from '../live/livePolicy.ts';
import type { PresenceChange, PresenceStore } from '../presence/PresenceStore.ts';
import { ignore } from '../../core/ignore.ts';

export const classStaffRoom = (classId: string) => `class:${classId}:staff`;

export interface PresenceDeps {
  presence: PresenceStore;
  store: DistrictStore;
  lessons: LessonStore;
  live: LiveStore;
  timeZone: string;
  logger: Logger;
}

export function attachPresence(io: IoServer, d: PresenceDeps): void {
  const push = async (user: User, change: PresenceChange) => {
    if (change === 'same' || change === 'none' || user.role !== 'student') return; // dashboards follow students
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

  io.on('connection', (socket) => {
    const user = socket.data.user;
    const tabs = new Set<string>();
    /** What this socket was already allowed to watch (kind:ref), so a beat every 5 s is one check, once. */
    const allowed = new Set<string>();
    const date = () => localDate(d.timeZone);
    const options = {
      logger: d.logger,
      failed: 'presence failed',
      internalMessage: 'Presence could not be recorded.',
    };

    handle(socket, 'presence:beat', options, async (b) => {
      // Students' attendance, and co-teachers listening along (同步听课, their on-duty record).
      if (user.role !== 'student' && user.role !== 'co_teacher')
        throw new AppError('FORBIDDEN_ROLE', 'Only students and co-teachers send presence.');
      const what = `${b.kind}:${b.ref}`;
      if (!allowed.has(what)) {
        if (!(await mayWatch(user, b.kind, b.ref)))
          throw new AppError(
            'FORBIDDEN_SCOPE',
            'This is not a lesson or channel of your grade, so it does not count as attendance.',
          );
        if (allowed.size > 100) allowed.clear();
        allowed.add(what);
      }
      tabs.add(b.tab);
      await push(user, await d.presence.beat(user.id, b, date()));
      return { ok: true };
    });

    handle(socket, 'presence:leave', options, async ({ tab }) => {
      if ((user.role !== 'student' && user.role !== 'co_teacher') || !tabs.has(tab)) return { ok: true };
      tabs.delete(tab);
      await push(user, await d.presence.leave(user.id, tab, date()));
      return { ok: true };
    });

    socket.on('disconnect', () => {
      for (const tab of tabs)
        void d.presence
          .leave(user.id, tab, date())
          .then((c) => push(user, c))
          .catch(ignore('closing the viewings of a socket that left', d.logger));
    });

    handle(socket, 'presence:subscribe', options, async ({ classId }) => {
      const cls = await d.store.getClass(classId);
      if (!cls) throw new AppError('NOT_FOUND', 'This class was not found.');
      if (!canViewRoster(user, cls))
        throw new AppError('FORBIDDEN_SCOPE', 'Only the teachers of this class and admins can follow it.');
      await socket.join(classStaffRoom(cls.id));
      return { ok: true };
    });
    handle(socket, 'presence:unsubscribe', options, async ({ classId }) => {
      await socket.leave(classStaffRoom(classId));
      return { ok: true };
    });
  });
}
