/** The unified timetable (统一课表): slots per grade and day. */

import type { z } from 'zod';
import type * as wire from '../../contracts/timetable.ts';

export { DATE_PATTERN } from '../../contracts/common.ts';
export { RULE_CODES } from '../../contracts/timetable.ts';
export type SlotSource = z.infer<typeof wire.SlotSource>;
/** A slot of a grade's day (local date and HH:MM times); `override` is a recorded exception with its reason. */
export type Slot = z.infer<typeof wire.Slot>;
/** The rules a timetable must follow; the district sets them, a school may only tighten them. */
export type RuleSet = z.infer<typeof wire.RuleSet>;
export type RuleCode = (typeof wire.RULE_CODES)[number];
export type Violation = z.infer<typeof wire.Violation>;
export interface Range {
  min: number;
  max: number;
}

/** Homework minutes a day per level when the district has not set them (grades 1–2 light practice only). */
export const DEFAULT_HOMEWORK_MINUTES: NonNullable<RuleSet['homeworkDailyMaxMinutes']> = {
  primary_lower: 20,
  primary_upper: 60,
  junior_secondary: 90,
  senior_secondary: 120,
};
/** Every lesson of a day, live or recorded, per level when the district has not set it: the live caps. */
export const DEFAULT_DAILY_LESSON_MINUTES: NonNullable<RuleSet['dailyLessonMaxMinutes']> = {
  primary_lower: 60,
  primary_upper: 120,
  junior_secondary: 240,
  senior_secondary: 240,
};
/** Continuous screen time per level when the district has not set it: one lesson's longest length. */
export const DEFAULT_CONTINUOUS_MINUTES: NonNullable<RuleSet['continuousScreenMaxMinutes']> = {
  primary_lower: 25,
  primary_upper: 25,
  junior_secondary: 40,
  senior_secondary: 45,
};
/** One school term. */
export const DEFAULT_ATTENDANCE_RETENTION_DAYS = 150;

/** Defaults from the source documents (BRIEF.md): ~20 min primary, ~30 min junior, breaks ≥ 15 min, 1 h / 2 h / 4 h live a day. */
export const DEFAULT_RULES: RuleSet = {
  lessonMinutes: {
    primary_lower: { min: 15, max: 25 },
    primary_upper: { min: 15, max: 25 },
    junior_secondary: { min: 25, max: 40 },
    senior_secondary: { min: 30, max: 45 },
  },
  minBreakMinutes: 15,
  dailyLiveMaxMinutes: {
    primary_lower: 60,
    primary_upper: 120,
    junior_secondary: 240,
    senior_secondary: 240,
  },
};

/** Every figure a district can set, with the defaults filled in (the rules page starts from these). */
export const DEFAULT_RULES_FULL: Required<RuleSet> = {
  ...DEFAULT_RULES,
  dailyLessonMaxMinutes: DEFAULT_DAILY_LESSON_MINUTES,
  continuousScreenMaxMinutes: DEFAULT_CONTINUOUS_MINUTES,
  homeworkDailyMaxMinutes: DEFAULT_HOMEWORK_MINUTES,
  liveBackupAfterSeconds: 30,
  restReminderMinutes: 30,
  attendanceRetentionDays: DEFAULT_ATTENDANCE_RETENTION_DAYS,
};
