/** Recorded lessons (先录后播 and replay) on the wire. */
import { z } from 'zod';
import { IsoTime, LessonHeading } from './common.ts';

export const LESSON_STATUSES = ['uploaded', 'processing', 'ready', 'failed'] as const;
export const LessonStatus = z.enum(LESSON_STATUSES);
export type LessonStatus = z.infer<typeof LessonStatus>;
export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const ReviewStatus = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

export const TranscodeProgress = z.object({
  stage: z.enum(['probing', 'transcoding', 'publishing', 'done']),
  percent: z.number(),
  etaSec: z.number().optional(),
});
export type TranscodeProgress = z.infer<typeof TranscodeProgress>;

export const RenditionInfo = z.object({
  name: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
  fps: z.number().optional(),
  codecs: z.string(),
  bandwidth: z.number(),
  averageBandwidth: z.number(),
});
export type RenditionInfo = z.infer<typeof RenditionInfo>;

export const LessonError = z.object({ code: z.string(), message: z.string() });

/** A lesson as a user sees it: no storage keys, no job ids; what this user may do with it. */
/** A class-only video (微课): at most this long (seconds) and this big (bytes). */
export const CLASS_VIDEO_MAX_SEC = 20 * 60;
export const CLASS_VIDEO_MAX_BYTES = 1024 * 1024 * 1024;

export const LessonView = LessonHeading.extend({
  status: LessonStatus,
  review: ReviewStatus,
  reviewNote: z.string().optional(),
  reviewedBy: z.string().optional(),
  reviewedAt: IsoTime.optional(),
  durationSec: z.number().optional(),
  source: z.object({ filename: z.string(), size: z.number() }),
  hlsPrefix: z.string().optional(),
  /** Set on the replay of a live lesson. */
  liveLessonId: z.string().optional(),
  /** A class-only video (微课) of a co-teacher: its class and school; not on the grade's channel. */
  classId: z.string().optional(),
  schoolId: z.string().optional(),
  /** Subtitle renditions (字幕) the lesson offers. */
  subtitles: z.array(z.object({ language: z.string(), name: z.string(), cues: z.number().int() })).optional(),
  renditions: z.array(RenditionInfo).optional(),
  progress: TranscodeProgress.optional(),
  error: LessonError.optional(),
  attempts: z.number().int().optional(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  readyAt: IsoTime.optional(),
  posterUrl: z.string().optional(),
  canManage: z.boolean(),
  canReview: z.boolean(),
});
export type LessonView = z.infer<typeof LessonView>;

export const LessonQuery = z.object({
  grade: z.string().regex(/^\d+$/, 'grade must be a whole number.').transform(Number).optional(),
  subject: z.string().max(40).optional(),
  q: z.string().max(100).optional(),
  /** A class's own videos (微课). */
  classId: z.string().max(64).optional(),
});
export const LessonList = z.object({ lessons: z.array(LessonView), subjects: z.array(z.string()) });
export const OneLesson = z.object({ lesson: LessonView });

export const Playback = z.object({
  masterUrl: z.string(),
  audioOnlyUrl: z.string().optional(),
  posterUrl: z.string().optional(),
  /** Where this user stopped last time, seconds (0: from the start). */
  position: z.number(),
  /** When the HLS viewing pass (the cookie this answer sets) expires; the web app renews it before then. */
  expiresAt: IsoTime,
});
export type Playback = z.infer<typeof Playback>;

/** The HLS viewing pass (an HttpOnly cookie) was renewed until this time. */
export const HlsAccess = z.object({ expiresAt: IsoTime });

export const SetPosition = z.object({
  seconds: z
    .number()
    .min(0)
    .max(24 * 3600),
});
export const Review = z.object({
  decision: ReviewStatus,
  note: z.string().trim().max(500).optional(),
});
export const LessonUpdate = z.object({
  title: z.string().trim().min(1).max(100).optional(),
  subject: z.string().trim().min(1).max(20).optional(),
});
export type LessonUpdate = z.infer<typeof LessonUpdate>;
export const CancelOutcome = z.object({ outcome: z.enum(['signalled', 'removed', 'not-found']) });
export const Deleted = z.object({ deleted: z.string() });
export const QueueCounts = z.object({ counts: z.record(z.string(), z.number()) });

/** Pushed on socket.io (`lesson:update`) to the uploading teacher and reviewers as processing moves on. */
export const LessonUpdateEvent = z.object({
  id: z.string(),
  status: LessonStatus,
  review: ReviewStatus,
  progress: TranscodeProgress.nullable(),
  error: LessonError.nullable(),
  durationSec: z.number().nullable(),
  updatedAt: IsoTime,
});
export type LessonUpdateEvent = z.infer<typeof LessonUpdateEvent>;
