/**
 * Homework (作业): a co-teacher sets it for their classes, students submit
 * photos of paper work, a voice recording or text, the co-teacher marks it,
 * and the class page shows who submitted, late, missing and marked. Files go
 * up over tus (resumable) at /api/homework/uploads and are named here by
 * their upload id.
 */
import { z } from 'zod';
import { DateString, IsoTime } from './common.ts';

/** 优 / 良 / 待改进. */
export const MARK_GRADES = ['excellent', 'good', 'needs_work'] as const;
export const MarkGrade = z.enum(MARK_GRADES);
export type MarkGrade = z.infer<typeof MarkGrade>;

/** What a homework file is, decided from its bytes on arrival. */
export const ATTACHMENT_KINDS = ['image', 'audio', 'pdf', 'document'] as const;
export const Attachment = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ATTACHMENT_KINDS),
  contentType: z.string(),
  size: z.number().int(),
});
export type Attachment = z.infer<typeof Attachment>;

/** Upload ids as the tus server named them (the last part of the upload URL). */
const UploadId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be an upload id');

export const NewAssignment = z.object({
  classIds: z.array(z.string().max(64)).min(1).max(4),
  subject: z.string().trim().min(1).max(20),
  title: z.string().trim().min(1, 'Give the homework a title.').max(100),
  instructions: z.string().trim().max(4000).default(''),
  /** The day the homework is for (its minutes count against that day's limit); default today. */
  date: DateString.optional(),
  dueAt: IsoTime,
  expectedMinutes: z.number().int().min(1).max(180),
  /** A timetable lesson it follows (slot id), optional. */
  slotId: z.string().max(64).optional(),
  attachmentIds: z.array(UploadId).max(10).default([]),
});

export const Assignment = z.object({
  id: z.string(),
  classIds: z.array(z.string()),
  subject: z.string(),
  title: z.string(),
  instructions: z.string(),
  date: DateString,
  dueAt: IsoTime,
  expectedMinutes: z.number().int(),
  slotId: z.string().optional(),
  attachments: z.array(Attachment),
  createdBy: z.string(),
  createdByName: z.string(),
  createdAt: IsoTime,
});
export type Assignment = z.infer<typeof Assignment>;

export const Mark = z.object({
  grade: MarkGrade.optional(),
  /** 0–100 when the teacher scores instead of (or besides) a grade. */
  score: z.number().int().min(0).max(100).optional(),
  comment: z.string().max(2000).optional(),
  voiceComment: Attachment.optional(),
  /** 要求订正: the student is asked to submit again. */
  redo: z.boolean(),
  /** Marked in depth (精批) as part of the daily rotation. */
  inDepth: z.boolean(),
  markedBy: z.string(),
  markedByName: z.string(),
  markedAt: IsoTime,
});
export type Mark = z.infer<typeof Mark>;

export const SUBMISSION_STATES = ['missing', 'submitted', 'late', 'marked', 'redo'] as const;
export type SubmissionState = (typeof SUBMISSION_STATES)[number];

export const Submission = z.object({
  assignmentId: z.string(),
  studentId: z.string(),
  studentName: z.string(),
  submittedAt: IsoTime,
  late: z.boolean(),
  text: z.string().optional(),
  attachments: z.array(Attachment),
  /** 1 for the first submission; a resubmission (after "redo" or before marking) adds one. Earlier versions are kept. */
  version: z.number().int(),
  mark: Mark.optional(),
});
export type Submission = z.infer<typeof Submission>;

export const SubmitHomework = z.object({
  text: z.string().trim().max(4000).optional(),
  attachmentIds: z.array(UploadId).max(9).default([]),
});

export const MarkSubmission = z.object({
  grade: MarkGrade.optional(),
  score: z.number().int().min(0).max(100).optional(),
  comment: z.string().trim().max(2000).optional(),
  voiceAttachmentId: UploadId.optional(),
  redo: z.boolean().default(false),
  inDepth: z.boolean().default(false),
});

export const Counts = z.object({
  submitted: z.number().int(),
  late: z.number().int(),
  missing: z.number().int(),
  marked: z.number().int(),
  redo: z.number().int(),
});

export const AssignmentSummary = Assignment.extend({ counts: Counts });

/** The co-teacher's view of a class: every assignment with its counts, and each student's state per assignment. */
export const ClassHomework = z.object({
  classId: z.string(),
  assignments: z.array(AssignmentSummary),
  students: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      states: z.record(z.string(), z.enum(SUBMISSION_STATES)),
    }),
  ),
});

export const AssignmentDetail = z.object({
  assignment: Assignment,
  /** Staff: every submission of the classes; a student: their own (or none). */
  submissions: z.array(Submission),
  /** Staff: who has not submitted yet. */
  missing: z.array(z.object({ id: z.string(), name: z.string(), classId: z.string() })).optional(),
  /** Earlier versions of the asker's own submission (students), newest first. */
  history: z.array(Submission).optional(),
});

export const MyHomework = z.object({
  items: z.array(
    z.object({
      assignment: Assignment,
      state: z.enum(SUBMISSION_STATES),
      submission: Submission.optional(),
    }),
  ),
});

/** The daily in-depth marking rotation: at least five students a day, the whole class in turn. */
export const RotationQuery = z.object({ date: DateString.optional() });
export const MarkingRotation = z.object({
  classId: z.string(),
  date: DateString,
  /** Students proposed for in-depth marking today (least recently marked first). */
  proposed: z.array(z.object({ id: z.string(), name: z.string(), lastInDepth: DateString.optional() })),
  /** Marked in depth today so far. */
  markedToday: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Students marked in depth in the current round (everyone once, then a new round starts). */
  coveredThisRound: z.number().int(),
  classSize: z.number().int(),
  perDay: z.number().int(),
});

export const WorkloadQuery = z.object({
  classIds: z.string().max(300),
  date: DateString.optional(),
  minutes: z
    .string()
    .regex(/^\d{1,3}$/)
    .optional(),
});
/** The day's homework minutes per class against the district's limit for the class's school level. */
export const HomeworkLoad = z.object({
  date: DateString,
  classes: z.array(
    z.object({
      classId: z.string(),
      className: z.string(),
      level: z.string(),
      limitMinutes: z.number().int(),
      setMinutes: z.number().int(),
      withNew: z.number().int(),
      over: z.boolean(),
    }),
  ),
});
