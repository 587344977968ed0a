import { AppError, notFound } from '../../errors.ts';
import { deleteSubtitles, putSubtitles } from '../../lessons/subtitles.ts';
import type { User } from '../../district/model.ts';
import type { Lesson } from '../../../recordings/catalogue/Lesson.ts';
import { canManageLesson, canReview, canViewLesson } from '../../lessons/lessonPolicy.ts';
import { grantHlsAccess } from './hlsRoutes.ts';
import type { AppDeps } from '../AppDeps.ts';
import { gradesOf as gradesOfUser } from '../../district/gradesOf.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

export function registerLessonRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { lessons } = deps;

  const gradesOf = (user: User) => gradesOfUser(deps.store, user);

  /** The replay's HLS folder: the same URL for every viewer (access rides in the viewing-pass cookie). */
  const vodBase = (lessonId: string) => `/vod/${lessonId}`;

  const view = (user: User, l: Lesson) => {
    const { source, jobId: _j, masterKey: _m, posterKey: _p, ...rest } = l;
    const base = l.status === 'ready' && l.posterKey ? vodBase(l.id) : undefined;
    return {
      ...rest,
      source: { filename: source.filename, size: source.size },
      ...(base ? { posterUrl: `${base}/poster.jpg` } : {}),
      canManage: canManageLesson(user, l),
      canReview: canReview(user),
    };
  };

  const visibleLesson = async (user: User, id: string): Promise<Lesson> => {
    const l = await lessons.get(id);
    if (!l) throw notFound(`Lesson ${id}`);
    if (!canViewLesson(user, l, await gradesOf(user))) {
      throw new AppError(
        'FORBIDDEN_SCOPE',
        'This lesson is not available to you (it may not be approved yet, or it is for another grade).',
      );
    }
    return l;
  };

  const managedLesson = async (user: User, id: string): Promise<Lesson> => {
    const l = await visibleLesson(user, id);
    if (!canManageLesson(user, l))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        'Only the teacher who uploaded this lesson or an administrator can change it.',
      );
    return l;
  };

  r.add('GET /api/lessons', {
    tag: 'lessons',
    summary: 'Recorded lessons this user may see; filter with ?grade=&subject=&q=',
    auth: 'any',
    async handler({ user, query }) {
      const grades = await gradesOf(user);
      const all = await lessons.list(query);
      const visible = all.filter((l) => canViewLesson(user, l, grades));
      return {
        lessons: visible.map((l) => view(user, l)),
        subjects: [...new Set(visible.map((l) => l.subject))].sort(),
      };
    },
  });

  r.add('GET /api/lessons/:id', {
    tag: 'lessons',
    summary: 'One recorded lesson',
    auth: 'any',
    handler: async ({ user, params }) => ({ lesson: view(user, await visibleLesson(user, params.id)) }),
  });

  r.add('GET /api/lessons/:id/playback', {
    tag: 'lessons',
    summary:
      'Replay HLS URLs and where this user stopped last time; renews the HLS viewing-pass cookie the URLs need',
    auth: 'any',
    async handler({ req, res, user, params }) {
      const l = await visibleLesson(user, params.id);
      if (l.status !== 'ready')
        throw new AppError('CONFLICT', 'This lesson is still being processed. Try again when it is ready.');
      const base = vodBase(l.id);
      const expiresAt = grantHlsAccess(deps, req, res, user);
      return {
        masterUrl: `${base}/master.m3u8`,
        audioOnlyUrl: l.renditions?.some((x) => x.name === 'audio') ? `${base}/audio/index.m3u8` : undefined,
        ...(l.posterKey ? { posterUrl: `${base}/poster.jpg` } : {}),
        position: await lessons.getPosition(l.id, user.id),
        expiresAt,
      };
    },
  });

  r.add('PUT /api/lessons/:id/position', {
    tag: 'lessons',
    summary: 'Remember where this user is in the replay (resume later)',
    auth: 'any',
    async handler({ user, params, body }) {
      const l = await visibleLesson(user, params.id);
      await lessons.setPosition(l.id, user.id, Math.min(body.seconds, l.durationSec ?? body.seconds));
      return { ok: true };
    },
  });

  r.add('POST /api/lessons/:id/review', {
    tag: 'lessons',
    summary: 'Approve or reject a lesson (资源审核; district admins)',
    auth: ['district_admin'],
    async handler({ user, params, body }) {
      const l = await visibleLesson(user, params.id);
      if (body.decision === 'approved' && l.status !== 'ready') {
        throw new AppError(
          'CONFLICT',
          'Only a lesson that finished processing can be approved; watch it first.',
        );
      }
      const updated = await lessons.update(l.id, {
        review: body.decision,
        reviewNote: body.note,
        reviewedBy: user.displayName,
        reviewedAt: new Date().toISOString(),
      });
      return { lesson: view(user, updated!) };
    },
  });

  r.add('PATCH /api/lessons/:id', {
    tag: 'lessons',
    summary: 'Rename a lesson or change its subject (class videos: their co-teacher too)',
    auth: ['district_admin', 'lead_teacher', 'co_teacher'],
    async handler({ user, params, body }) {
      const l = await managedLesson(user, params.id);
      return { lesson: view(user, (await lessons.update(l.id, body))!) };
    },
  });

  r.add('POST /api/lessons/:id/cancel', {
    tag: 'lessons',
    summary: 'Cancel the processing of a lesson',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, params }) {
      const l = await managedLesson(user, params.id);
      if (l.status !== 'uploaded' && l.status !== 'processing')
        throw new AppError('CONFLICT', 'This lesson is not being processed.');
      const outcome = l.jobId ? await deps.transcodes.cancel(l.jobId) : 'not-found';
      if (outcome !== 'signalled') {
        await lessons.update(l.id, {
          status: 'failed',
          progress: undefined,
          error: {
            code: 'TRANSCODE_CANCELLED',
            message: 'Processing was cancelled. Press "retry" to process the video again.',
          },
        });
      }
      return { outcome };
    },
  });

  r.add('POST /api/lessons/:id/retry', {
    tag: 'lessons',
    summary: 'Process a failed lesson again from its kept original',
    auth: ['district_admin', 'lead_teacher'],
    async handler({ user, params }) {
      const l = await managedLesson(user, params.id);
      if (l.status !== 'failed')
        throw new AppError('CONFLICT', 'Only a lesson whose processing failed can be retried.');
      const run = (Number(l.jobId?.split('-').pop()) || 0) + 1;
      const jobId = await deps.transcodes.enqueue(l.id, run);
      return {
        lesson: view(
          user,
          (await lessons.update(l.id, { status: 'uploaded', jobId, error: undefined, progress: undefined }))!,
        ),
      };
    },
  });

  r.add('PUT /api/lessons/:id/subtitles/:lang', {
    tag: 'lessons',
    summary:
      'Add or replace subtitles (字幕) in one language (:lang = zh-CN, en…; ?name= label): the WebVTT or SRT file as the body, at most 1 MB; served as an HLS subtitle rendition',
    auth: ['district_admin', 'lead_teacher', 'co_teacher'],
    async handler({ user, params, query, req }) {
      const l = await managedLesson(user, params.id);
      return putSubtitles({ lessons, storage: deps.storage }, l, params.lang, req.body, query.name);
    },
  });

  r.add('DELETE /api/lessons/:id/subtitles/:lang', {
    tag: 'lessons',
    summary: 'Remove one language’s subtitles from the lesson',
    auth: ['district_admin', 'lead_teacher', 'co_teacher'],
    async handler({ user, params }) {
      const l = await managedLesson(user, params.id);
      return deleteSubtitles({ lessons, storage: deps.storage }, l, params.lang);
    },
  });

  r.add('DELETE /api/lessons/:id', {
    tag: 'lessons',
    summary:
      'Delete a lesson, its original and its HLS (class videos: their co-teacher and the school’s admins too)',
    auth: ['district_admin', 'lead_teacher', 'co_teacher', 'school_admin'],
    async handler({ user, params }) {
      const l = await managedLesson(user, params.id);
      if (l.jobId && (l.status === 'processing' || l.status === 'uploaded'))
        await deps.transcodes.cancel(l.jobId);
      await lessons.delete(l.id);
      for (const prefix of [`${l.hlsPrefix ?? `vod/${l.id}`}/`, `originals/${l.id}/`]) {
        for await (const o of deps.storage.list(prefix)) await deps.storage.delete(o.key);
      }
      return { deleted: l.id };
    },
  });

  r.add('GET /api/transcode/queue', {
    tag: 'lessons',
    summary: 'Transcode queue counts (admins)',
    auth: ['district_admin', 'school_admin'],
    handler: async () => ({ counts: await deps.transcodes.counts() }),
  });
}
