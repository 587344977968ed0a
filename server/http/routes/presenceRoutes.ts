/**
 * The co-teacher's dashboard data: who of the class is watching now, and
 * attendance for each lesson of the timetable (from heartbeats), the
 * absentees, a CSV export and the week. Only the class's teachers and
 * admins (canViewRoster).
 */
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { AppError } from '../../errors.ts';
import { assertCan, canViewRoster } from '../../auth/policy.ts';
import type { SchoolClass, User } from '../../district/model.ts';
import { TimetableStore } from '../../timetable/TimetableStore.ts';
import { DATE_PATTERN } from '../../timetable/model.ts';
import { localDate } from '../../timetable/epg.ts';
import { DEFAULT_ATTENDANCE_RULES } from '../../presence/attendance.ts';
import { PresenceStore } from '../../presence/PresenceStore.ts';
import { AttendanceReport } from '../../presence/AttendanceReport.ts';
import { ClassRoomStore } from '../../classroom/ClassRoomStore.ts';
import { isRoomMember } from '../../realtime/classRoom.ts';
import { canViewUser } from '../../auth/policy.ts';
import { eraseStudentData, exportStudentData } from '../../privacy/personalData.ts';
import { personalDataDeps } from '../personalDataDeps.ts';

const DATE = DATE_PATTERN;

export function registerPresenceRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { store } = deps;
  const presence = new PresenceStore(deps.redis);
  const timetable = new TimetableStore(deps.redis);
  const rooms = new ClassRoomStore(deps.redis);
  const rules = deps.attendance ?? DEFAULT_ATTENDANCE_RULES;
  const personal = personalDataDeps(deps);

  const staffClass = async (user: User, id: string): Promise<SchoolClass> => {
    const cls = await store.requireClass(id);
    assertCan(
      canViewRoster(user, cls),
      `Only the teachers of ${cls.name} and admins can see who is watching.`,
    );
    return cls;
  };

  const attendance = new AttendanceReport({
    store,
    presence,
    timetable,
    rules,
    timeZone: deps.timeZone,
  });

  r.add({
    method: 'get',
    path: '/api/classes/:id/presence',
    tag: 'presence',
    summary: 'Who of the class is watching now, what and since when; who left; who has not joined today',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params }) {
      const cls = await staffClass(user, params.id!);
      const students = await store.listStudents(cls.id);
      const now = await presence.current(students.map((s) => s.id));
      const date = localDate(deps.timeZone);
      const seen = await presence.seenOn(
        students.map((s) => s.id),
        date,
      );
      return {
        classId: cls.id,
        className: cls.name,
        students: students.map((s, i) => {
          const viewings = now.get(s.id) ?? [];
          return {
            id: s.id,
            username: s.username,
            displayName: s.displayName,
            state: viewings.length ? 'watching' : seen[i] ? 'left' : 'not_joined',
            viewings,
          };
        }),
      };
    },
  });

  r.add({
    method: 'get',
    path: '/api/classes/:id/attendance',
    tag: 'presence',
    summary:
      'Attendance of the class for each lesson of a day (?date=YYYY-MM-DD, default today; &format=csv for a spreadsheet), from heartbeats',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, req, res }) {
      const cls = await staffClass(user, params.id!);
      const q = req.query as { date?: string; format?: string };
      const date = q.date ?? localDate(deps.timeZone);
      if (!DATE.test(date)) throw new AppError('VALIDATION_FAILED', 'date must be YYYY-MM-DD.');
      if (q.format !== 'csv') return attendance.day(cls, date);
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="attendance-${cls.id}-${date}.csv"`);
      res.send(await attendance.dayCsv(cls, date));
      return undefined;
    },
  });

  r.add({
    method: 'get',
    path: '/api/classes/:id/attendance/week',
    tag: 'presence',
    summary: 'The class’s attendance per day for 7 days ending ?to=YYYY-MM-DD (default today), for the chart',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, req }) {
      const cls = await staffClass(user, params.id!);
      const to = (req.query as { to?: string }).to ?? localDate(deps.timeZone);
      if (!DATE.test(to)) throw new AppError('VALIDATION_FAILED', 'to must be YYYY-MM-DD.');
      return attendance.week(cls, to);
    },
  });

  r.add({
    method: 'get',
    path: '/api/classes/:id/room/messages',
    tag: 'presence',
    summary:
      'The class room’s history, newest page first (?before=<message id>&limit=30); the class’s students and teachers only',
    auth: ['student', 'co_teacher'],
    async handler({ user, params, req }) {
      const cls = await store.requireClass(params.id!);
      assertCan(isRoomMember(user, cls), 'Only the students and teachers of this class can read its room.');
      const q = req.query as { before?: string; limit?: string };
      const before = q.before ? Number(q.before) : Infinity;
      const limit = Math.min(100, Math.max(1, Number(q.limit ?? 30) || 30));
      if (Number.isNaN(before)) throw new AppError('VALIDATION_FAILED', 'before must be a message id.');
      return rooms.page(cls.id, before, limit);
    },
  });

  r.add({
    method: 'get',
    path: '/api/workload',
    tag: 'presence',
    summary:
      'Per teacher: lessons taught, classes followed, questions answered (school admins: their school; district admins: all)',
    auth: ['district_admin', 'school_admin'],
    async handler({ user }) {
      const staff = [
        ...(await store.listByRole('lead_teacher')),
        ...(await store.listByRole('co_teacher')),
      ].filter(
        (t) => user.role === 'district_admin' || t.role === 'lead_teacher' || t.schoolId === user.schoolId,
      );
      const [answered, lessons] = await Promise.all([
        rooms.answeredBy(staff.map((t) => t.id)),
        deps.lessons.list(),
      ]);
      const taught = new Map<string, number>();
      for (const l of lessons) taught.set(l.teacherId, (taught.get(l.teacherId) ?? 0) + 1);
      return {
        teachers: staff.map((t) => ({
          id: t.id,
          username: t.username,
          displayName: t.displayName,
          role: t.role,
          lessonsTaught: taught.get(t.id) ?? 0,
          classesFollowed: t.role === 'co_teacher' ? (t.classIds?.length ?? 0) : 0,
          questionsAnswered: answered[t.id] ?? 0,
        })),
      };
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

  r.add({
    method: 'get',
    path: '/api/students/:id/data',
    tag: 'presence',
    summary:
      'Everything Skyclass holds about a student (account, watch sessions, attendance, class room messages as written, replay positions, mutes, raised hands), for a data request',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, params }) {
      const { target, classes } = await adminOfStudent(user, params.id!);
      return exportStudentData(personal, target, classes);
    },
  });

  r.add({
    method: 'delete',
    path: '/api/students/:id/data',
    tag: 'presence',
    summary:
      'Erases a student’s watch sessions, class room messages, replay positions, mutes and raised hands (the account stays; DELETE /api/users/{id} removes it too)',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, params }) {
      const { target, classes } = await adminOfStudent(user, params.id!);
      const removed = await eraseStudentData(personal, target, classes);
      await personal.audit.record(user, 'data.erase', target);
      return removed;
    },
  });
}
