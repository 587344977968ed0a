/**
 * Teacher workload and duty (教师工作量 / 在岗): per lead and co-teacher, the
 * lessons they taught (recorded lessons in the catalogue), the classes they
 * follow, the questions they answered in class rooms, and — for co-teachers,
 * over the last 7 days — the lessons of their classes they listened along to
 * (同步听课, from their players' heartbeats, like students' attendance) and
 * the homework they marked. School admins see their school's co-teachers and
 * every lead teacher (lead teachers teach the whole district); district
 * admins see everyone.
 */
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import type { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { PresenceStore } from './PresenceStore.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { Homework } from '../homework/Homework.ts';
import { attendanceFor, type AttendanceRules } from './attendance.ts';
import { toAttendanceSlot } from './attendanceSlot.ts';
import { localDate } from '../timetable/epg.ts';

export interface WorkloadDeps {
  store: DistrictStore;
  rooms: ClassRoomStore;
  lessons: LessonStore;
  presence: PresenceStore;
  timetableStore: TimetableStore;
  homework: Homework;
  timeZone: string;
  attendanceRules: AttendanceRules;
}

/** The days the duty figures cover: today and the six before. */
export const DUTY_DAYS = 7;

export async function workload(d: WorkloadDeps, viewer: User, now = Date.now()) {
  const staff = [
    ...(await d.store.listByRole('lead_teacher')),
    ...(await d.store.listByRole('co_teacher')),
  ].filter(
    (t) => viewer.role === 'district_admin' || t.role === 'lead_teacher' || t.schoolId === viewer.schoolId,
  );
  const dates = Array.from({ length: DUTY_DAYS }, (_, i) => localDate(d.timeZone, now - i * 86_400_000));
  const coTeachers = staff.filter((t) => t.role === 'co_teacher');
  const [answered, lessons, marked] = await Promise.all([
    d.rooms.answeredBy(staff.map((t) => t.id)),
    d.lessons.list(),
    d.homework.markedBy(
      coTeachers.map((t) => t.id),
      dates,
    ),
  ]);
  const taught = new Map<string, number>();
  for (const l of lessons) taught.set(l.teacherId, (taught.get(l.teacherId) ?? 0) + 1);
  // Each grade's days once, whoever follows it.
  const gradeOfClass = new Map((await d.store.listClasses()).map((c) => [c.id, c.grade]));
  const days = new Map<string, ReturnType<typeof toAttendanceSlot>[]>();
  const slotsOf = async (grade: number, date: string) => {
    const key = `${grade}|${date}`;
    let s = days.get(key);
    if (!s) {
      s = (await d.timetableStore.day(grade, date)).map((x) => toAttendanceSlot(x, grade, d.timeZone));
      days.set(key, s);
    }
    return s;
  };
  const listened = new Map<string, { listened: number; lessons: number }>();
  for (const t of coTeachers) {
    const grades = [
      ...new Set((t.classIds ?? []).map((c) => gradeOfClass.get(c)).filter((g) => g !== undefined)),
    ];
    let heard = 0;
    let total = 0;
    // The teacher's 7 day logs at once (one round trip, not seven).
    const logs = await Promise.all(dates.map((date) => d.presence.sessions(t.id, date)));
    for (const [i, date] of dates.entries()) {
      const sessions = logs[i]!;
      for (const g of grades)
        for (const slot of await slotsOf(g, date)) {
          if (slot.start > now) continue;
          total += 1;
          if (attendanceFor(slot, sessions, now, d.attendanceRules).status === 'present') heard += 1;
        }
    }
    listened.set(t.id, { listened: heard, lessons: total });
  }
  return {
    days: DUTY_DAYS,
    teachers: staff.map((t) => ({
      id: t.id,
      username: t.username,
      displayName: t.displayName,
      role: t.role,
      lessonsTaught: taught.get(t.id) ?? 0,
      classesFollowed: t.role === 'co_teacher' ? (t.classIds?.length ?? 0) : 0,
      questionsAnswered: answered[t.id] ?? 0,
      ...(t.role === 'co_teacher'
        ? {
            lessonsListened: listened.get(t.id)!.listened,
            lessonsOfClasses: listened.get(t.id)!.lessons,
            homeworkMarked: marked.get(t.id) ?? 0,
          }
        : {}),
    })),
  };
}
