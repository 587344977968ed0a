/**
 * A person's data rights: export everything Skyclass stores about a student,
 * erase it, and erase an account altogether. What is stored about a student:
 * the account (never the password hash), watch sessions per day (the presence
 * logs attendance is computed from) and the attendance they give, class room
 * messages as written (also those a teacher hid), replay positions, mutes and
 * raised hands. Sign-in sessions end on erasure.
 */
import type { Family } from '../family/Family.ts';
import type { Homework } from '../homework/Homework.ts';
import type { AttendanceMarks } from '../presence/AttendanceMarks.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import type { SessionStore } from '../auth/SessionStore.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { PresenceStore } from '../presence/PresenceStore.ts';
import type { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { attendanceFor, type AttendanceRules, type SlotAttendance } from '../presence/attendance.ts';
import { toAttendanceSlot } from '../presence/attendanceSlot.ts';
import type { AuditLog } from './AuditLog.ts';

export interface PersonalDataDeps {
  store: DistrictStore;
  sessions: SessionStore;
  lessons: LessonStore;
  presence: PresenceStore;
  rooms: ClassRoomStore;
  timetable: TimetableStore;
  audit: AuditLog;
  timeZone: string;
  attendance: AttendanceRules;
  homework: Homework;
  marks: AttendanceMarks;
  /** Parents' links to the student (removed with the account). */
  family: Pick<Family, 'eraseStudent'>;
}

export async function exportStudentData(d: PersonalDataDeps, target: User, classes: SchoolClass[]) {
  const watchSessions = await d.presence.allLogs(target.id);
  const attendance: Record<string, (SlotAttendance & { title: string; start: string; end: string })[]> = {};
  const now = Date.now();
  for (const [date, sessions] of Object.entries(watchSessions).sort()) {
    for (const cls of classes) {
      const slots = await d.timetable.day(cls.grade, date);
      attendance[date] = slots.map((s) => ({
        title: s.title ?? s.subject,
        start: s.start,
        end: s.end,
        ...attendanceFor(toAttendanceSlot(s, cls.grade, d.timeZone), sessions, now, d.attendance),
      }));
    }
  }
  const classRooms = await Promise.all(
    classes.map(async (c) => ({
      classId: c.id,
      className: c.name,
      messages: await d.rooms.messagesBy(c.id, target.id),
      mutedUntil: (await d.rooms.mutedUntil(c.id, target.id)) ?? null,
      handRaisedAt: (await d.rooms.hands(c.id))[target.id] ?? null,
    })),
  );
  return {
    exportedAt: new Date().toISOString(),
    account: {
      id: target.id,
      username: target.username,
      displayName: target.displayName,
      role: target.role,
      schoolId: target.schoolId,
      classIds: target.classIds,
      disabled: target.disabled ?? false,
      createdAt: target.createdAt,
    },
    watchSessions,
    /** Open viewings (tabs playing right now), not yet in the day logs. */
    watchingNow: (await d.presence.current([target.id])).get(target.id) ?? [],
    attendance,
    replayPositions: await d.lessons.positionsOf(target.id),
    homework: await d.homework.ofStudent(target.id, target.classIds ?? []),
    classRooms,
    // Flat list kept for readers of the first export format.
    messages: classRooms.flatMap((c) => c.messages),
  };
}

/** Erases everything stored about a student except the account itself. */
export async function eraseStudentData(d: PersonalDataDeps, target: User, classes: SchoolClass[]) {
  const removedKeys = await d.presence.deleteAll(target.id);
  let removedMessages = 0;
  for (const c of classes) removedMessages += await d.rooms.eraseUser(c.id, target.id);
  const removedPositions = await d.lessons.deletePositionsOf(target.id);
  const classIds = classes.map((c) => c.id);
  const removedSubmissions = await d.homework.eraseStudent(target.id, classIds);
  const removedMarks = await d.marks.eraseStudent(target.id, classIds);
  return { removedKeys: removedKeys + removedMarks, removedMessages, removedPositions, removedSubmissions };
}

/** Account erasure: the person's data, their sessions (sockets included) and the account; audited. */
export async function eraseAccount(d: PersonalDataDeps, actor: User, target: User) {
  const classes = (await Promise.all((target.classIds ?? []).map((c) => d.store.getClass(c)))).filter(
    (c): c is SchoolClass => !!c,
  );
  const removed = await eraseStudentData(d, target, classes);
  await d.family.eraseStudent(
    target.id,
    classes.map((c) => c.id),
  );
  const sessionsEnded = await d.sessions.endAll(target.id);
  await d.store.deleteUser(target.id);
  await d.audit.record(
    actor,
    'account.erase',
    target,
    `messages ${removed.removedMessages}, presence keys ${removed.removedKeys}, replay positions ${removed.removedPositions}, sessions ${sessionsEnded}`,
  );
  return { erased: target.id, ...removed, sessionsEnded };
}
