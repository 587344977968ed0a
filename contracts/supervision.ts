/**
 * Supervision (督导) roll-ups: district → school → grade → class figures of
 * attendance, participation (questions asked and answered in the class rooms,
 * homework handed in) and teachers on duty (co-teachers listening along),
 * per day and over a range of days. Computed from per-class day summaries the
 * server keeps up to date in the background.
 */
import { z } from 'zod';
import { DateString } from './common.ts';

export const SUPERVISION_LEVELS = ['district', 'school', 'grade', 'class'] as const;
export const SupervisionLevel = z.enum(SUPERVISION_LEVELS);

/** Counts and shares of one scope (a share is null when there was nothing to count). */
export const SupervisionFigures = z.object({
  classes: z.number().int(),
  students: z.number().int(),
  /** Lessons of the day(s) of the classes (class × lesson). */
  lessons: z.number().int(),
  /** Student × lesson cells that have begun. */
  cells: z.number().int(),
  present: z.number().int(),
  partial: z.number().int(),
  absent: z.number().int(),
  attendancePct: z.number().nullable(),
  questions: z.number().int(),
  answers: z.number().int(),
  /** Student × assignment due on the day(s). */
  homeworkDue: z.number().int(),
  homeworkDone: z.number().int(),
  homeworkPct: z.number().nullable(),
  /** Co-teacher × lesson cells that have begun, and those listened along to (present, as on the workload page). */
  dutyCells: z.number().int(),
  dutyListened: z.number().int(),
  dutyPct: z.number().nullable(),
});

export const SupervisionQuery = z.object({
  school: z.string().max(64).optional(),
  grade: z.coerce.number().int().min(1).max(12).optional(),
  class: z.string().max(64).optional(),
  from: DateString.optional(),
  /** The last day (default: today in the district's time zone). */
  to: DateString.optional(),
  /** Instead of "from": this many days ending on "to" (7: the week up to it). */
  days: z.coerce.number().int().min(1).max(31).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

export const SupervisionScope = z.object({
  level: SupervisionLevel,
  /** district: "district"; school: its id; grade: "<school>:<grade>"; class: its id. */
  id: z.string(),
  name: z.string(),
  school: z.string().optional(),
  grade: z.number().int().optional(),
  class: z.string().optional(),
});

export const SupervisionView = z.object({
  scope: SupervisionScope,
  /** The scopes above this one, from the district down (for the breadcrumb). */
  parents: z.array(SupervisionScope),
  from: DateString,
  to: DateString,
  /** Today in the district's time zone (the last day with figures). */
  today: DateString,
  /** When the oldest summary in the view was computed (ms), or null when none exists yet. */
  computedAt: z.number().nullable(),
  totals: SupervisionFigures,
  days: z.array(z.object({ date: DateString, summarised: z.boolean(), figures: SupervisionFigures })),
  /** The scopes one level down with their figures (none for a class). */
  children: z.array(SupervisionScope.extend({ figures: SupervisionFigures })),
});

export const SupervisionRefreshed = z.object({ classes: z.number().int(), date: DateString, ms: z.number() });
