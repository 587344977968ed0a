/** The unified timetable (统一课表): slots, rules, checks and imports on the wire. */
import { z } from 'zod';
import { DateString, IsoTime, clampedInt } from './common.ts';
import { SCHOOL_LEVELS } from './district.ts';

export const SlotSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('recorded'), lessonId: z.string() }),
  z.object({
    kind: z.literal('live'),
    teacherId: z.string().optional(),
    liveLessonId: z.string().optional(),
    /**
     * A recorded lesson (approved, same grade) the channel plays instead of the slate when the live
     * lesson has not started, or its media stops, for longer than the district's liveBackupAfterSeconds
     * (备份方案). The live lesson takes the channel back at its next segment.
     */
    backupLessonId: z.string().optional(),
  }),
]);
export const Slot = z.object({
  id: z.string(),
  grade: z.number().int(),
  /** YYYY-MM-DD, the district's local date. */
  date: z.string(),
  /** HH:MM (or HH:MM:SS), local time. */
  start: z.string(),
  end: z.string(),
  subject: z.string(),
  title: z.string().optional(),
  source: SlotSource,
  /** An explicit, recorded exception to the rules (一区一策 still needs a reason). */
  override: z.object({ reason: z.string(), by: z.string(), at: IsoTime }).optional(),
});
export type Slot = z.infer<typeof Slot>;

export const RULE_CODES = [
  'BAD_TIME',
  'LESSON_LENGTH',
  'BREAK',
  'OVERLAP',
  'DAILY_LIVE',
  'NOT_APPROVED',
  'TOO_SHORT',
  'UNKNOWN_LESSON',
  'WRONG_GRADE',
  'CLASS_ONLY',
  'DAILY_TOTAL',
  'CONTINUOUS_SCREEN',
  'CLASS_CLASH',
] as const;
export const Violation = z.object({
  rule: z.enum(RULE_CODES),
  slotId: z.string(),
  /** The slot as people say it: "三年级 2026-11-23 08:00–08:20 数学". */
  slot: z.string(),
  message: z.object({ 'zh-CN': z.string(), en: z.string() }),
  /** The import file's line, when the slot came from one. */
  line: z.number().int().optional(),
});
export type Violation = z.infer<typeof Violation>;

const range = z.object({ min: z.number().int().min(5).max(120), max: z.number().int().min(5).max(120) });
const perLevel = <T extends z.ZodType>(t: T) =>
  z.object(Object.fromEntries(SCHOOL_LEVELS.map((l) => [l, t])) as Record<(typeof SCHOOL_LEVELS)[number], T>);
/** The rules a timetable must follow; the district sets them, a school may only tighten them. */
export const RuleSet = z.object({
  /** Lesson length in minutes per school level. */
  lessonMinutes: perLevel(range),
  /** Minimum break between two lessons of a channel, minutes. */
  minBreakMinutes: z.number().int().min(0).max(120),
  /** Daily total of live lessons per school level, minutes. */
  dailyLiveMaxMinutes: perLevel(z.number().int().min(0).max(600)),
  /**
   * Daily total of every lesson of a grade's day, live and recorded, per school level, minutes
   * (default: the live caps, 60 / 120 / 240 / 240).
   */
  dailyLessonMaxMinutes: perLevel(z.number().int().min(0).max(720)).optional(),
  /**
   * Longest continuous screen time per school level, minutes: lessons (and a class's on-screen
   * activities) with less than minBreakMinutes between them count as one stretch (default 25 / 25 / 40 / 45).
   */
  continuousScreenMaxMinutes: perLevel(z.number().int().min(5).max(240)).optional(),
  /** The players remind a child to rest and look into the distance after this long watching in a row (default 30). */
  restReminderMinutes: z.number().int().min(5).max(120).optional(),
  /** A live slot's backup lesson starts after this long without live media (default 30 s). */
  liveBackupAfterSeconds: z.number().int().min(5).max(600).optional(),
  /** Homework a class may get for one day, minutes per school level (default: 20 / 60 / 90 / 120). */
  homeworkDailyMaxMinutes: perLevel(z.number().int().min(0).max(600)).optional(),
  /** Days attendance records (watch logs, check-ins, marks) are kept; district only (default 150: one term). */
  attendanceRetentionDays: z.number().int().min(30).max(400).optional(),
});
export type RuleSet = z.infer<typeof RuleSet>;

export const TimetableQuery = z.object({
  from: DateString.optional(),
  days: clampedInt(1, 31, 7),
  grade: z
    .string()
    .regex(/^\d{1,2}$/, 'grade must be a whole number.')
    .transform(Number)
    .optional(),
  school: z.string().max(64).optional(),
});
export const TimetableExportQuery = TimetableQuery.extend({ format: z.enum(['csv', 'json']).optional() });
export const TimetableWeek = z.object({
  from: z.string(),
  days: z.number().int(),
  slots: z.array(Slot),
  /** With ?school=: what that school's stricter rules refuse. */
  schoolViolations: z.array(Violation).optional(),
});
export const ReplaceDay = z.object({ slots: z.array(z.record(z.string(), z.unknown())).max(40) });
export const Slots = z.object({ slots: z.array(Slot) });
export const ImportResult = z.object({
  published: z.boolean(),
  message: z.string().optional(),
  days: z.number().int().optional(),
  slots: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
  violations: z.array(Violation),
});
export type ImportResult = z.infer<typeof ImportResult>;
export const RulesQuery = z.object({ school: z.string().max(64).optional() });
export const Rules = z.object({ rules: RuleSet, defaults: RuleSet, school: RuleSet.nullable().optional() });
export const RulesSet = z.object({ rules: RuleSet });
export const TimetableAudit = z.object({
  entries: z.array(
    z.object({
      at: IsoTime,
      by: z.string(),
      action: z.enum(['publish', 'override']),
      grade: z.number().int(),
      date: z.string(),
      detail: z.string(),
    }),
  ),
});

/**
 * A class's own activities around the grade channel (班级周课表): Q&A hours by subject, PE/art/labour
 * at home, tutoring, class meetings. `onScreen` ones (online tutoring, an online class meeting) count as
 * screen time; a Q&A window or PE at home does not.
 */
export const ACTIVITY_KINDS = ['qa', 'pe', 'art', 'labour', 'tutoring', 'meeting', 'other'] as const;
export const ActivityKind = z.enum(ACTIVITY_KINDS);
/** What a kind is by default: on a screen or not. */
export const ON_SCREEN_BY_DEFAULT: Record<(typeof ACTIVITY_KINDS)[number], boolean> = {
  qa: false,
  pe: false,
  art: false,
  labour: false,
  tutoring: true,
  meeting: true,
  other: false,
};
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24-hour)');
export const NewClassActivity = z.object({
  start: hhmm,
  end: hhmm,
  kind: ActivityKind,
  title: z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters'),
  subject: z.string().trim().max(20).optional(),
  onScreen: z.boolean().optional(),
  note: z.string().trim().max(200).optional(),
});
export const ClassActivity = NewClassActivity.extend({
  id: z.string(),
  classId: z.string(),
  date: z.string(),
  onScreen: z.boolean(),
});
export type ClassActivity = z.infer<typeof ClassActivity>;
export const ReplaceClassDay = z.object({ activities: z.array(NewClassActivity).max(12) });
export const ClassDay = z.object({ activities: z.array(ClassActivity) });
export const WeekQuery = z.object({ from: DateString.optional() });
/** One merged week of a class: the grade's lessons and the class's activities, by day and time. */
export const ClassWeek = z.object({
  classId: z.string(),
  className: z.string(),
  grade: z.number().int(),
  from: z.string(),
  canEdit: z.boolean(),
  days: z.array(
    z.object({
      date: z.string(),
      items: z.array(
        z.object({
          type: z.enum(['lesson', 'activity']),
          id: z.string(),
          start: z.string(),
          end: z.string(),
          title: z.string(),
          subject: z.string().optional(),
          /** Lessons: live or recorded; activities: their kind. */
          kind: z.string(),
          onScreen: z.boolean(),
          note: z.string().optional(),
        }),
      ),
    }),
  ),
  /** Where the class's activities clash with the grade's timetable as it is now (it may have changed since). */
  violations: z.array(Violation),
  /** The activity kinds, each with whether it is screen time unless said otherwise (for the editor). */
  activityKinds: z.array(z.object({ kind: z.enum(ACTIVITY_KINDS), onScreen: z.boolean() })),
});
export type ClassWeek = z.infer<typeof ClassWeek>;
