/** The unified timetable (统一课表): slots per grade and day. */

/** A local date as the timetable writes it. */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
import type { SchoolLevel } from '../district/model.ts';

export type SlotSource =
  { kind: 'recorded'; lessonId: string } | { kind: 'live'; teacherId?: string; liveLessonId?: string };

export interface Slot {
  id: string;
  grade: number;
  /** YYYY-MM-DD, the district's local date. */
  date: string;
  /** HH:MM (or HH:MM:SS), local time. */
  start: string;
  end: string;
  subject: string;
  title?: string;
  source: SlotSource;
  /** An explicit, recorded exception to the rules (一区一策 still needs a reason). */
  override?: { reason: string; by: string; at: string };
}

export interface Range {
  min: number;
  max: number;
}

/** The rules a timetable must follow; the district sets them, a school may only tighten them. */
export interface RuleSet {
  /** Lesson length in minutes per school level. */
  lessonMinutes: Record<SchoolLevel, Range>;
  /** Minimum break between two lessons of a channel, minutes. */
  minBreakMinutes: number;
  /** Daily total of live lessons per school level, minutes. */
  dailyLiveMaxMinutes: Record<SchoolLevel, number>;
}

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
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export interface Violation {
  rule: RuleCode;
  slotId: string;
  /** The slot as people say it: "三年级 2026-11-23 08:00–08:20 数学". */
  slot: string;
  message: { 'zh-CN': string; en: string };
}
