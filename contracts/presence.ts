/** Who is watching, attendance, the class room's history, workload and data rights on the wire. */
import { Submission } from './homework.ts';
import { z } from 'zod';
import { DateString, IsoTime, Role, clampedInt } from './common.ts';
import { User } from './district.ts';

export const WATCH_KINDS = ['vod', 'live-hls', 'webrtc', 'channel'] as const;
export const WatchKind = z.enum(WATCH_KINDS);
export type WatchKind = z.infer<typeof WatchKind>;
export const DEVICES = ['phone', 'tablet', 'desktop', 'tv'] as const;

export const Viewing = z.object({
  kind: WatchKind,
  ref: z.string(),
  title: z.string().optional(),
  position: z.number(),
  device: z.string(),
  tab: z.string(),
  since: z.number(),
  last: z.number(),
});
export type Viewing = z.infer<typeof Viewing>;

export const PresenceState = z.enum(['watching', 'left', 'not_joined']);
export const RosterRow = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  state: PresenceState,
  viewings: z.array(Viewing),
});
export type RosterRow = z.infer<typeof RosterRow>;
export const ClassPresence = z.object({
  classId: z.string(),
  className: z.string(),
  students: z.array(RosterRow),
});

export const AttendanceSlot = z.object({
  slotId: z.string(),
  title: z.string(),
  start: z.number(),
  end: z.number(),
  channelId: z.string(),
  lessonId: z.string().optional(),
  liveLessonId: z.string().optional(),
});
export const AttendanceStatus = z.enum(['present', 'partial', 'absent', 'upcoming']);
export type AttendanceStatus = z.infer<typeof AttendanceStatus>;
export const SlotAttendance = z.object({
  slotId: z.string(),
  joinedAt: z.number().optional(),
  watchedSec: z.number(),
  percent: z.number(),
  late: z.boolean(),
  replay: z.boolean(),
  status: AttendanceStatus,
  devices: z.array(z.string()),
  /** Where the status came from: heartbeats, a TV check-in, or a co-teacher's mark. */
  source: z.enum(['auto', 'tv', 'manual']).optional(),
  reason: z.enum(['tv', 'ill', 'no_device', 'leave', 'other']).optional(),
  note: z.string().optional(),
  /** The co-teacher who marked it. */
  markedBy: z.string().optional(),
  /** When the child checked in with the TV code (ms). */
  checkedInAt: z.number().optional(),
});
export const CheckIn = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{4}$/, 'must be the 4 digits shown on the channel'),
});
export const CheckedIn = z.object({
  slotId: z.string(),
  title: z.string(),
  date: z.string(),
  at: z.string(),
});
export const MarkAttendance = z.object({
  date: DateString,
  slotId: z.string().max(64),
  studentId: z.string().max(64),
  status: z.enum(['present', 'absent']),
  reason: z.enum(['tv', 'ill', 'no_device', 'leave', 'other']),
  note: z.string().trim().max(200).optional(),
});
export const Correction = z.object({
  date: z.string(),
  slotId: z.string(),
  studentId: z.string(),
  studentName: z.string(),
  was: z.string(),
  status: z.enum(['present', 'absent']),
  reason: z.enum(['tv', 'ill', 'no_device', 'leave', 'other']),
  note: z.string().optional(),
  by: z.string(),
  byName: z.string(),
  at: z.string(),
});
export const AttendanceQuery = z.object({
  date: DateString.optional(),
  format: z.enum(['json', 'csv']).optional(),
});
export const AttendanceDay = z.object({
  date: z.string(),
  timeZone: z.string(),
  slots: z.array(AttendanceSlot),
  students: z.array(
    z.object({
      id: z.string(),
      username: z.string(),
      displayName: z.string(),
      slots: z.array(SlotAttendance),
    }),
  ),
  absentees: z.array(
    z.object({ id: z.string(), username: z.string(), displayName: z.string(), missed: z.array(z.string()) }),
  ),
});
export type AttendanceDay = z.infer<typeof AttendanceDay>;
export const WeekQuery = z.object({ to: DateString.optional() });
export const AttendanceWeek = z.object({
  classId: z.string(),
  days: z.array(
    z.object({
      date: z.string(),
      lessons: z.number().int(),
      present: z.number().int(),
      partial: z.number().int(),
      absent: z.number().int(),
      percent: z.number().nullable(),
    }),
  ),
});
export type AttendanceWeek = z.infer<typeof AttendanceWeek>;
export const TermQuery = z.object({
  from: DateString,
  to: DateString,
  format: z.enum(['json', 'csv']).optional(),
});
/** A term per student: lessons attended, partly, missed (marks and TV check-ins included), and each day's share. */
export const AttendanceTerm = z.object({
  classId: z.string(),
  from: z.string(),
  to: z.string(),
  students: z.array(
    z.object({
      id: z.string(),
      username: z.string(),
      displayName: z.string(),
      lessons: z.number().int(),
      present: z.number().int(),
      partial: z.number().int(),
      absent: z.number().int(),
      viaTv: z.number().int(),
      marked: z.number().int(),
      percent: z.number().nullable(),
      days: z.array(z.object({ date: z.string(), lessons: z.number().int(), present: z.number().int() })),
    }),
  ),
});

export const RoomMessage = z.object({
  id: z.number().int(),
  classId: z.string(),
  userId: z.string(),
  name: z.string(),
  role: z.enum(['student', 'co_teacher']),
  kind: z.enum(['chat', 'question', 'answer']),
  text: z.string(),
  at: z.number(),
  /** An answer: the question it answers. */
  replyTo: z.number().int().optional(),
  /** A question: the answer's id once answered. */
  answeredBy: z.number().int().optional(),
  pinned: z.boolean().optional(),
  deleted: z.boolean().optional(),
});
export type RoomMessage = z.infer<typeof RoomMessage>;
export const RoomPageQuery = z.object({
  before: z.string().regex(/^\d+$/, 'before must be a message id.').transform(Number).optional(),
  limit: clampedInt(1, 100, 30),
});
export const RoomPage = z.object({ messages: z.array(RoomMessage), more: z.boolean() });
export type RoomPage = z.infer<typeof RoomPage>;

export const WorkloadRow = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  lessonsTaught: z.number().int(),
  classesFollowed: z.number().int(),
  questionsAnswered: z.number().int(),
  /** Co-teachers, over the last `days` days: lessons of their classes listened along to (同步听课), of how many. */
  lessonsListened: z.number().int().optional(),
  lessonsOfClasses: z.number().int().optional(),
  /** Co-teachers: homework submissions marked over the last `days` days. */
  homeworkMarked: z.number().int().optional(),
});
export type WorkloadRow = z.infer<typeof WorkloadRow>;
export const Workload = z.object({ days: z.number().int(), teachers: z.array(WorkloadRow) });
/** Teachers on duty for a class's day: each co-teacher's listening along, lesson by lesson. */
export const ClassDuty = z.object({
  classId: z.string(),
  className: z.string(),
  date: z.string(),
  slots: z.array(AttendanceSlot),
  teachers: z.array(
    z.object({
      id: z.string(),
      displayName: z.string(),
      slots: z.array(z.object({ slotId: z.string(), status: AttendanceStatus, percent: z.number() })),
    }),
  ),
});
/** Who of a school's co-teachers did not listen along to a lesson of their class (that has started). */
export const DutyGaps = z.object({
  date: z.string(),
  gaps: z.array(
    z.object({
      classId: z.string(),
      className: z.string(),
      lesson: z.string(),
      start: z.number(),
      teacherId: z.string(),
      teacherName: z.string(),
      status: AttendanceStatus,
    }),
  ),
});

const WatchSession = z.object({
  kind: WatchKind,
  ref: z.string(),
  from: z.number(),
  to: z.number(),
  device: z.string(),
});
export const StudentDataExport = z.object({
  exportedAt: IsoTime,
  account: User.pick({
    id: true,
    username: true,
    displayName: true,
    role: true,
    schoolId: true,
    classIds: true,
    createdAt: true,
  }).extend({ disabled: z.boolean() }),
  watchSessions: z.record(z.string(), z.array(WatchSession)),
  /** Open viewings (tabs playing right now), not yet in the day logs. */
  watchingNow: z.array(Viewing),
  attendance: z.record(
    z.string(),
    z.array(SlotAttendance.extend({ title: z.string(), start: z.string(), end: z.string() })),
  ),
  replayPositions: z.record(z.string(), z.number()),
  /** Homework handed in (current and earlier versions), with the teachers' marks. */
  homework: z.array(Submission),
  classRooms: z.array(
    z.object({
      classId: z.string(),
      className: z.string(),
      messages: z.array(RoomMessage),
      mutedUntil: z.number().nullable(),
      handRaisedAt: z.number().nullable(),
    }),
  ),
  /** Flat list kept for readers of the first export format. */
  messages: z.array(RoomMessage),
});
