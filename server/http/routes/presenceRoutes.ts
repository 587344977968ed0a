/**
 * The co-teacher's dashboard data: who of the class is watching now,
 * attendance for each lesson of the timetable (from heartbeats), the
 * absentees, a CSV export and the week (server/presence/AttendanceReport.ts);
 * the class room's history; teacher workload; a student's data rights
 * (server/privacy/personalData.ts). Only the class's teachers and admins
 * (canViewRoster) see a class; only admins of the student's school export or
 * erase a student's data.
 */
import type { AppDeps } from '../AppDeps.ts';
import { sendCsv, type RouteRegistry } from '../RouteRegistry.ts';
import { AppError } from '../../errors.ts';
import { adminSchool, assertCan, canViewRoster, canViewUser } from '../../auth/policy.ts';
import { mapLimit } from '../../../core/mapLimit.ts';
import type { SchoolClass, User } from '../../district/model.ts';
import { mayReadRoom } from '../../classroom/membership.ts';
import { eraseStudentData, exportStudentData } from '../../privacy/personalData.ts';
import { workload } from '../../presence/workload.ts';

export function registerPresenceRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { store, attendance, personal } = deps;

  const staffClass = async (user: User, id: string): Promise<SchoolClass> => {
    const cls = await store.requireClass(id);
    assertCan(
      canViewRoster(user, cls),
      `Only the teachers of ${cls.name} and admins can see who is watching.`,
    );
    return cls;
  };

  r.add('GET /api/classes/:id/presence', {
    tag: 'presence',
    summary: 'Who of the class is watching now, what and since when; who left; who has not joined today',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    handler: async ({ user, params }) => attendance.now(await staffClass(user, params.id)),
  });

  r.add('GET /api/classes/:id/attendance', {
    tag: 'presence',
    summary:
      'Attendance of the class for each lesson of a day (?date=YYYY-MM-DD, default today; &format=csv for a spreadsheet), from heartbeats',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, query, res }) {
      const cls = await staffClass(user, params.id);
      if (query.format !== 'csv') return attendance.day(cls, query.date);
      const date = query.date ?? attendance.today();
      return sendCsv(res, `attendance-${cls.id}-${date}.csv`, await attendance.dayCsv(cls, date));
    },
  });

  r.add('GET /api/classes/:id/attendance/week', {
    tag: 'presence',
    summary: 'The class’s attendance per day for 7 days ending ?to=YYYY-MM-DD (default today), for the chart',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    handler: async ({ user, params, query }) => attendance.week(await staffClass(user, params.id), query.to),
  });

  r.add('GET /api/classes/:id/attendance/term', {
    tag: 'presence',
    summary:
      'A term’s attendance per student (?from=&to=, at most 200 days; &format=csv for a spreadsheet), marks and TV check-ins included',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, query, res }) {
      const cls = await staffClass(user, params.id);
      if (query.format !== 'csv') return attendance.term(cls, query.from, query.to);
      return sendCsv(
        res,
        `attendance-${cls.id}-${query.from}-${query.to}.csv`,
        await attendance.termCsv(cls, query.from, query.to),
      );
    },
  });

  r.add('PUT /api/classes/:id/attendance/marks', {
    tag: 'presence',
    summary:
      'Mark or correct a child’s attendance of one lesson (present/absent) with the reason (TV, ill, no device, leave, other); audited',
    auth: ['co_teacher'],
    handler: async ({ user, params, body }) => ({
      cell: await attendance.mark(user, await staffClass(user, params.id), body),
    }),
  });

  r.add('GET /api/classes/:id/attendance/corrections', {
    tag: 'presence',
    summary: 'Every attendance mark and correction of the class, newest first (who, when, from what, why)',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    handler: async ({ user, params }) => ({
      corrections: await attendance.corrections(await staffClass(user, params.id)),
    }),
  });

  r.add('POST /api/attendance/check-in', {
    tag: 'presence',
    summary:
      'TV check-in: a child enters the 4-digit code the grade channel shows during the lesson and is counted present via TV',
    auth: ['student'],
    handler: ({ user, body }) => attendance.checkIn(user, body.code),
  });

  r.add('GET /api/classes/:id/room/messages', {
    tag: 'presence',
    summary:
      'The class room’s history, newest page first (?before=<message id>&limit=30); the class’s students and teachers only',
    auth: ['student', 'co_teacher', 'district_admin'],
    async handler({ user, params, query }) {
      const cls = await store.requireClass(params.id);
      // District admins read any class room (督导, 进群听课), as observers the class sees; they cannot write.
      assertCan(mayReadRoom(user, cls), 'Only the students and teachers of this class can read its room.');
      return deps.rooms.page(cls.id, query.before ?? Infinity, query.limit);
    },
  });

  r.add('GET /api/workload', {
    tag: 'presence',
    summary:
      'Per teacher: lessons taught, classes followed, questions answered; co-teachers’ lessons listened along to and homework marked over 7 days (school admins: their school; district admins: all)',
    auth: ['district_admin', 'school_admin'],
    handler: ({ user }) => workload(deps, user),
  });

  r.add('GET /api/classes/:id/duty', {
    tag: 'presence',
    summary:
      'Teachers on duty (同步听课): each co-teacher of the class, lesson by lesson of a day (?date=), listened along or not',
    auth: ['co_teacher', 'school_admin', 'district_admin'],
    handler: async ({ user, params, query }) =>
      attendance.duty(await staffClass(user, params.id), query.date),
  });

  r.add('GET /api/duty/gaps', {
    tag: 'presence',
    summary:
      'Who did not listen along to a started lesson of their class on a day (?date=; school admins: their school; district admins: ?school=)',
    auth: ['school_admin', 'district_admin'],
    async handler({ user, query }) {
      const schoolId = adminSchool(user, query.school, {
        message: 'You see the teachers on duty of your own school only.',
        messageZh: '你只能查看本校教师的在岗情况。',
      });
      const classes = (await store.listClasses()).filter((c) => !schoolId || c.schoolId === schoolId);
      const date = query.date ?? attendance.today();
      // A few classes at a time (each is a few Redis round trips); the list keeps the classes' order.
      const perClass = await mapLimit(classes, 8, async (cls) => {
        const d = await attendance.duty(cls, date);
        return d.teachers.flatMap((t) =>
          t.slots.flatMap((s, i) => {
            const slot = d.slots[i]!;
            return s.status === 'present' || s.status === 'upcoming'
              ? []
              : [
                  {
                    classId: cls.id,
                    className: cls.name,
                    lesson: slot.title,
                    start: slot.start,
                    teacherId: t.id,
                    teacherName: t.displayName,
                    status: s.status,
                  },
                ];
          }),
        );
      });
      return { date, gaps: perClass.flat() };
    },
  });

  const adminOfStudent = async (user: User, id: string) => {
    // The id or the username (what a school has at hand when a family asks).
    const target =
      (await store.getUser(id)) ?? (id.startsWith('usr_') ? undefined : await store.findByUsername(id));
    if (!target || target.role !== 'student') throw new AppError('NOT_FOUND', `Student ${id} was not found.`);
    const classes = await Promise.all((target.classIds ?? []).map((c) => store.requireClass(c)));
    assertCan(
      (user.role === 'district_admin' || user.role === 'school_admin') && canViewUser(user, target, classes),
      'Only the admins of the student’s school can export or delete their data.',
    );
    return { target, classes };
  };

  r.add('GET /api/students/:id/data', {
    tag: 'presence',
    summary:
      'Everything Skyclass holds about a student (account, watch sessions, attendance, class room messages as written, replay positions, mutes, raised hands), for a data request',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, params }) {
      const { target, classes } = await adminOfStudent(user, params.id);
      return exportStudentData(personal, target, classes);
    },
  });

  r.add('DELETE /api/students/:id/data', {
    tag: 'presence',
    summary:
      'Erases a student’s watch sessions, class room messages, replay positions, mutes and raised hands (the account stays; DELETE /api/users/{id} removes it too)',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, params }) {
      const { target, classes } = await adminOfStudent(user, params.id);
      const removed = await eraseStudentData(personal, target, classes);
      await personal.audit.record(user, 'data.erase', target);
      return removed;
    },
  });
}
