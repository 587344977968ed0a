/**
 * Learning materials (学习任务单, exercises, e-textbook pages) attached to a
 * grade's timetable slot, a recorded lesson, or (class-only) a class. The
 * file goes up over tus at /api/homework/uploads first and is named here by
 * its upload id.
 */
import { z } from 'zod';
import { DateString, IsoTime } from './common.ts';
import { Attachment } from './homework.ts';

export const MaterialScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lesson'), lessonId: z.string().max(64) }),
  z.object({
    kind: z.literal('slot'),
    grade: z.number().int().min(1).max(12),
    date: DateString,
    slotId: z.string().max(64),
  }),
  z.object({ kind: z.literal('class'), classId: z.string().max(64) }),
]);

export const NewMaterial = z.object({
  scope: MaterialScope,
  title: z.string().trim().min(1, 'Give the material a title.').max(100),
  fileId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be an upload id'),
});

export const Material = z.object({
  id: z.string(),
  scope: MaterialScope,
  title: z.string(),
  file: Attachment,
  addedBy: z.string(),
  addedByName: z.string(),
  addedAt: IsoTime,
});

export const MaterialsQuery = z.object({
  lessonId: z.string().max(64).optional(),
  classId: z.string().max(64).optional(),
  grade: z
    .string()
    .regex(/^\d{1,2}$/)
    .optional(),
  date: DateString.optional(),
  slotId: z.string().max(64).optional(),
});
export const MaterialList = z.object({ materials: z.array(Material) });
