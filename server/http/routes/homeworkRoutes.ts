/**
 * Homework over HTTP (server/homework/Homework.ts does the work and every
 * check): co-teachers set homework within the day's limit and mark; students
 * hand in and see their feedback; the class page's completion table and the
 * daily marking rotation; files opened by whoever the homework concerns.
 * Files go up over tus at /api/homework/uploads (server/homework/homeworkUploads.ts).
 */
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { serveObject } from '../serveObject.ts';

export function registerHomeworkRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { homework } = deps;

  r.add('GET /api/homework/load', {
    tag: 'homework',
    summary:
      'The day’s homework minutes of classes (?classIds=a,b&date=&minutes=) against the limit of their school level, before publishing',
    auth: ['co_teacher', 'school_admin', 'district_admin'],
    handler: ({ user, query }) =>
      homework.load(user, query.classIds.split(',').filter(Boolean), query.date, Number(query.minutes ?? 0)),
  });

  r.add('POST /api/homework', {
    tag: 'homework',
    summary: 'Set homework for classes you co-teach (refused above the day’s limit of the level)',
    auth: ['co_teacher'],
    status: 201,
    handler: async ({ user, body }) => ({ assignment: await homework.create(user, body) }),
  });

  r.add('GET /api/homework/mine', {
    tag: 'homework',
    summary: 'A student’s homework: every assignment of their class with their submission and feedback',
    auth: ['student'],
    handler: ({ user }) => homework.mine(user),
  });

  r.add('GET /api/homework/:id', {
    tag: 'homework',
    summary:
      'One homework: staff see every submission and who is missing; a student sees their own and earlier versions',
    auth: ['student', 'co_teacher', 'school_admin', 'district_admin'],
    handler: ({ user, params }) => homework.detail(user, params.id),
  });

  r.add('PUT /api/homework/:id/submission', {
    tag: 'homework',
    summary:
      'Hand in (or again after a redo): text and uploaded files; after the due time it is kept and marked late',
    auth: ['student'],
    handler: async ({ user, params, body }) => ({ submission: await homework.submit(user, params.id, body) }),
  });

  r.add('POST /api/homework/:id/submissions/:studentId/mark', {
    tag: 'homework',
    summary:
      'Mark a submission: 优/良/待改进 or a score, a written or voice comment, redo; inDepth for the rotation',
    auth: ['co_teacher'],
    handler: async ({ user, params, body }) => ({
      submission: await homework.mark(user, params.id, params.studentId, body),
    }),
  });

  r.add('GET /api/classes/:id/homework', {
    tag: 'homework',
    summary:
      'The class’s homework: each assignment’s counts and each student’s state (submitted, late, missing, marked, redo)',
    auth: ['co_teacher', 'school_admin', 'district_admin'],
    handler: ({ user, params }) => homework.classView(user, params.id),
  });

  r.add('GET /api/classes/:id/homework/rotation', {
    tag: 'homework',
    summary: 'Today’s in-depth marking proposal (at least five students, rotating over the whole class)',
    auth: ['co_teacher', 'school_admin', 'district_admin'],
    handler: ({ user, params, query }) => homework.rotation(user, params.id, query.date),
  });

  r.raw({
    method: 'get',
    path: '/api/homework/files/:fileId',
    produces: ['image/jpeg', 'image/png', 'image/webp', 'audio/webm', 'audio/mp4', 'application/pdf'],
    tag: 'homework',
    summary:
      'A homework file: its uploader, the student and staff of a submission, the classes of an assignment',
    auth: ['student', 'co_teacher', 'school_admin', 'district_admin'],
    async handler({ req, res, user, params }) {
      const { key, file } = await homework.openFile(user!, params.fileId);
      const name = encodeURIComponent(file.name);
      res.set(
        'Content-Disposition',
        `${file.kind === 'pdf' ? 'attachment' : 'inline'}; filename*=UTF-8''${name}`,
      );
      await serveObject(req, res, deps.storage, key, 'private, max-age=3600', file.contentType);
    },
  });
}
