/**
 * Parents over HTTP (server/family/Family.ts and Notices.ts do the work and
 * every check): signing up with a class's invitation code, each child's day,
 * homework and TV check-in, notices and their acknowledgement; the class
 * teacher's parent accounts, invitation codes and notices.
 */
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

const CLASS_STAFF = ['co_teacher', 'school_admin', 'district_admin'] as const;

export function registerFamilyRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { family, notices } = deps;

  r.add('POST /api/family/sign-up', {
    tag: 'family',
    summary:
      'A parent makes an account with the invitation code the class teacher printed (10 wrong codes per address per 10 min, then 429)',
    auth: 'public',
    status: 201,
    async handler({ body, req }) {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      await deps.loginGuard.admit(ip);
      return family.signUp(ip, body);
    },
  });

  r.add('GET /api/family/children', {
    tag: 'family',
    summary: 'The signed-in parent’s children with their class',
    auth: ['parent'],
    handler: ({ user }) => family.children(user),
  });

  r.add('POST /api/family/children', {
    tag: 'family',
    summary: 'A parent links another child with that child’s invitation code',
    auth: ['parent'],
    status: 201,
    handler: async ({ user, body, req }) => ({
      child: await family.linkChild(user, body.code, req.ip ?? req.socket.remoteAddress ?? 'unknown'),
    }),
  });

  r.add('GET /api/family/children/:id/day', {
    tag: 'family',
    summary: 'One child’s lessons of a day (?date=, default today) with how the child attended each',
    auth: ['parent'],
    handler: ({ user, params, query }) => family.childDay(user, params.id, query.date),
  });

  r.add('GET /api/family/children/:id/week', {
    tag: 'family',
    summary: 'One child’s week (?from=, 7 days): the grade’s lessons and the class’s own activities',
    auth: ['parent'],
    handler: ({ user, params, query }) => family.childWeek(user, params.id, query.from),
  });

  r.add('GET /api/family/children/:id/homework', {
    tag: 'family',
    summary: 'One child’s homework with their submissions and the teacher’s feedback',
    auth: ['parent'],
    handler: ({ user, params }) => family.childHomework(user, params.id),
  });

  r.add('POST /api/family/children/:id/check-in', {
    tag: 'family',
    summary: 'TV check-in for a child watching on the family TV: the code the channel shows now',
    auth: ['parent'],
    handler: ({ user, params, body }) => family.checkIn(user, params.id, body.code),
  });

  r.add('GET /api/notices/mine', {
    tag: 'family',
    summary:
      'A parent’s notices: class notices of their children’s classes and absence notices, newest first',
    auth: ['parent'],
    handler: ({ user }) => notices.mine(user),
  });

  r.add('POST /api/notices/:id/ack', {
    tag: 'family',
    summary: 'A parent acknowledges (has read) a notice they were sent',
    auth: ['parent'],
    handler: ({ user, params }) => notices.acknowledge(user, params.id),
  });

  r.add('GET /api/classes/:id/notices', {
    tag: 'family',
    summary: 'The class’s notices with how many parents acknowledged each and who has not',
    auth: [...CLASS_STAFF],
    handler: ({ user, params }) => notices.classNotices(user, params.id),
  });

  r.add('POST /api/classes/:id/notices', {
    tag: 'family',
    summary:
      'The class teacher posts a notice to every parent of the class (in-app and the district’s gateway)',
    auth: [...CLASS_STAFF],
    status: 201,
    handler: async ({ user, params, body }) => ({ notice: await notices.post(user, params.id, body) }),
  });

  r.add('GET /api/classes/:id/parents', {
    tag: 'family',
    summary: 'Each student of the class with their linked parent accounts (the class teacher, admins)',
    auth: [...CLASS_STAFF],
    handler: ({ user, params }) => family.classParents(user, params.id),
  });

  r.add('POST /api/classes/:id/parents', {
    tag: 'family',
    summary:
      'The class teacher makes a parent account for a student of the roster (initial password shown once)',
    auth: [...CLASS_STAFF],
    status: 201,
    handler: ({ user, params, body }) => family.createParent(user, params.id, body),
  });

  r.add('DELETE /api/classes/:id/parents/:parentId/children/:studentId', {
    tag: 'family',
    summary: 'Unlink a parent from a student of the class (a link made by mistake; the account stays)',
    auth: [...CLASS_STAFF],
    handler: async ({ user, params }) => {
      await family.unlink(user, params.id, params.studentId, params.parentId);
      return { ok: true as const };
    },
  });

  r.add('POST /api/classes/:id/parent-invites', {
    tag: 'family',
    summary:
      'Printable invitation codes, one per student (kept until renew: true replaces them all); each links up to 4 parent accounts for 30 days',
    auth: [...CLASS_STAFF],
    handler: ({ user, params, body }) => family.invites(user, params.id, body.renew ?? false),
  });
}
