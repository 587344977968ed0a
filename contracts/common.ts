/**
 * What every contract shares: roles, dates, the error envelope. The
 * contracts are the one description of the wire (REST bodies, queries and
 * responses; socket.io events) that the server validates against and the
 * web app is typed by. They import zod and nothing of Skyclass.
 */
import { z } from 'zod';

export const ROLES = [
  'district_admin',
  'school_admin',
  'lead_teacher',
  'co_teacher',
  'student',
  'parent',
] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** A local date as the timetable writes it. */
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const DateString = z.string().regex(DATE_PATTERN, 'must be a date YYYY-MM-DD');
/** An instant as ISO 8601 text. */
export const IsoTime = z.string();

/** What recorded and live lessons both carry: the lesson, its grade and subject, its teacher. */
export const LessonHeading = z.object({
  id: z.string(),
  title: z.string(),
  grade: z.number().int(),
  subject: z.string(),
  teacherId: z.string(),
  teacherName: z.string(),
});

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  /** The same message in Chinese, where the server has one (class room, presence). */
  messageZh: z.string().optional(),
  details: z.unknown().optional(),
});
export const ErrorResponse = z.object({ error: ErrorBody });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const Ok = z.object({ ok: z.literal(true) });

/** A query value that is a whole number within [min, max]; anything else (or nothing) is the default. */
export const clampedInt = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => Math.min(max, Math.max(min, Number(v ?? fallback) || fallback)));
