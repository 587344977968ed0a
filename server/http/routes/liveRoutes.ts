/**
 * Live lessons over REST: create (scheduled), start (live: the SFU room is
 * made and a publish token issued), end. Media goes through socket.io
 * signaling (server/realtime/liveSignaling.ts), which checks the token.
 */
import { allowanceOf, allowOutsideSlot, checkLiveStart } from '../../live/liveSlot.ts';
import { AppError, notFound } from '../../errors.ts';
import type { User } from '../../district/model.ts';
import { gradesOf } from '../../district/gradesOf.ts';
import type { LiveLesson } from '../../live/LiveLesson.ts';
import { LiveStore } from '../../live/LiveStore.ts';
import {
  currentPublisher,
  canCreateLive,
  canRunLive,
  canWatchLive,
  signPublishToken,
} from '../../live/livePolicy.ts';
import { broadcastRoom } from '../../live/broadcastRoom.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { grantHlsAccess } from './hlsRoutes.ts';

export const PUBLISH_TOKEN_TTL_MS = 4 * 3600_000;

export function registerLiveRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { live } = deps;

  const view = (user: User, l: LiveLesson) => ({
    ...l,
    publisherId: currentPublisher(l),
    canRun: canRunLive(user, l),
  });

  const visible = async (user: User, id: string): Promise<LiveLesson> => {
    const l = await live.get(id);
    if (!l) throw notFound(`Live lesson ${id}`);
    if (!canWatchLive(user, l, await gradesOf(deps.store, user))) {
      throw new AppError('FORBIDDEN_SCOPE', 'This live lesson is for another grade.');
    }
    return l;
  };

  const runnable = async (user: User, id: string): Promise<LiveLesson> => {
    const l = await visible(user, id);
    if (!canRunLive(user, l))
      throw new AppError(
        'FORBIDDEN_ROLE',
        'Only the lesson’s lead teacher or an administrator can run this lesson.',
      );
    return l;
  };

  const sfu = () => {
    if (!deps.media)
      throw new AppError(
        'NOT_READY',
        'Live lessons are off on this server (SFU=off). Ask the administrator to enable the SFU.',
      );
    return deps.media;
  };

  const publishToken = (user: User, l: LiveLesson) => ({
    publishToken: signPublishToken(deps.urlSigningKey, {
      lessonId: l.id,
      userId: user.id,
      expiresAt: Date.now() + PUBLISH_TOKEN_TTL_MS,
    }),
    expiresAt: new Date(Date.now() + PUBLISH_TOKEN_TTL_MS).toISOString(),
  });

  r.add('POST /api/live', {
    tag: 'live',
    summary: 'Schedule a live lesson for a grade (lead teachers of that grade, admins)',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, body }) {
      if (!(await deps.store.listGrades()).some((g) => g.number === body.grade)) {
        throw new AppError('VALIDATION_FAILED', `Grade ${body.grade} is not a grade of this district.`);
      }
      if (!canCreateLive(user, body.grade)) {
        throw new AppError(
          'FORBIDDEN_SCOPE',
          `You teach grade ${(user.grades ?? []).join(', ')}, not grade ${body.grade}.`,
        );
      }
      const id = LiveStore.newId();
      const now = new Date().toISOString();
      const l = await live.create({
        id,
        title: body.title,
        grade: body.grade,
        subject: body.subject,
        teacherId: user.id,
        teacherName: user.displayName,
        status: 'scheduled',
        roomId: `lesson-${id.slice(5)}`,
        ...(body.scheduledAt ? { scheduledAt: body.scheduledAt } : {}),
        createdAt: now,
        updatedAt: now,
      });
      return { lesson: view(user, l) };
    },
  });

  r.add('GET /api/live', {
    tag: 'live',
    summary: 'Live lessons this user may watch or run',
    auth: 'any',
    async handler({ user }) {
      const grades = await gradesOf(deps.store, user);
      return {
        lessons: (await live.list()).filter((l) => canWatchLive(user, l, grades)).map((l) => view(user, l)),
      };
    },
  });

  r.add('GET /api/live/:id', {
    tag: 'live',
    summary: 'One live lesson',
    auth: 'any',
    handler: async ({ user, params }) => ({ lesson: view(user, await visible(user, params.id)) }),
  });

  r.add('POST /api/live/:id/start', {
    tag: 'live',
    summary:
      'Go live: creates the SFU room and returns a publish token. Only in the lesson’s timetable slot (from 15 min before); outside it, a district admin with outsideSlotReason (audited)',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, params, body }) {
      const l = await runnable(user, params.id);
      if (l.status === 'scheduled') {
        const verdict = await checkLiveStart(
          {
            timetable: deps.timetableStore,
            timeZone: deps.timeZone,
            allowance: await allowanceOf(deps.redis, l.id),
          },
          user,
          l,
          body.outsideSlotReason,
        );
        if (verdict.outsideSlot) {
          const teacher = await deps.store.getUser(l.teacherId);
          await deps.personal.audit.record(
            user,
            'live.start_outside_slot',
            teacher ?? user,
            `${l.title} (${l.id}): ${verdict.reason}`,
          );
        }
      }
      await sfu().ensureRoom(broadcastRoom(l));
      const t = await live.transition(l.id, ['scheduled', 'live'], {
        status: 'live',
        startedAt: l.startedAt ?? new Date().toISOString(),
      });
      if (!t.ok) throw new AppError('CONFLICT', 'This lesson has ended; schedule a new one.');
      return { lesson: view(user, t.lesson), ...publishToken(user, t.lesson) };
    },
  });

  r.add('POST /api/live/:id/allow-outside-slot', {
    tag: 'live',
    summary:
      'A district admin lets the lesson’s teacher go live outside the timetable for the next `minutes` (default 60, at most 240), with a reason (audited as live.start_outside_slot)',
    auth: ['district_admin'],
    async handler({ user, params, body }) {
      const l = await visible(user, params.id);
      if (l.status !== 'scheduled')
        throw new AppError('CONFLICT', 'This lesson has already started or ended; nothing to allow.');
      const a = await allowOutsideSlot(deps.redis, l.id, {
        minutes: body.minutes,
        reason: body.reason,
        by: user.id,
      });
      const teacher = await deps.store.getUser(l.teacherId);
      await deps.personal.audit.record(
        user,
        'live.start_outside_slot',
        teacher ?? user,
        `${l.title} (${l.id}), allowed for ${body.minutes} min: ${body.reason}`,
      );
      return { until: new Date(a.until).toISOString() };
    },
  });

  r.add('POST /api/live/:id/publish-token', {
    tag: 'live',
    summary: 'A fresh publish token for a live lesson (its lead teacher or an admin)',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, params }) {
      const l = await runnable(user, params.id);
      if (l.status !== 'live') throw new AppError('CONFLICT', 'Start the lesson first.');
      return publishToken(user, l);
    },
  });

  r.add('GET /api/live/:id/playback', {
    tag: 'live',
    summary:
      'Live HLS URL (for students at scale, and the fallback when WebRTC fails); renews the HLS viewing-pass cookie',
    auth: 'any',
    async handler({ req, res, user, params }) {
      const l = await visible(user, params.id);
      if (l.status !== 'live' || !(await deps.storage.head(`live/${l.id}/master.m3u8`))) {
        throw new AppError(
          'CONFLICT',
          'The live stream has not started yet. The page will connect when the teacher goes live.',
        );
      }
      grantHlsAccess(deps, req, res, user);
      return { masterUrl: `/live-hls/${l.id}/master.m3u8` };
    },
  });

  r.add('POST /api/live/:id/end', {
    tag: 'live',
    summary: 'End a live lesson',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, params }) {
      const l = await runnable(user, params.id);
      const t = await live.transition(l.id, ['live', 'scheduled'], {
        status: 'ended',
        endedAt: new Date().toISOString(),
        publisherId: undefined,
      });
      if (!t.ok) throw new AppError('CONFLICT', 'This lesson has already ended.');
      // The room's media node ends the pipeline and closes the room (from any api instance); the live
      // recording becomes the replay, listed with the recorded lessons.
      const replayLessonId = await deps.media?.endLive(t.lesson);
      const final = replayLessonId ? await live.transition(l.id, [], { replayLessonId }) : t;
      return { lesson: view(user, final.ok ? final.lesson : t.lesson) };
    },
  });
}
