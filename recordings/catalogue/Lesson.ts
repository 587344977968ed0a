/** A recorded lesson in the catalogue (先录后播 and replay). */
import type {
  LessonStatus,
  RenditionInfo,
  ReviewStatus,
  TranscodeProgress,
} from '../../contracts/lessons.ts';

export {
  LESSON_STATUSES,
  REVIEW_STATUSES,
  type LessonStatus,
  type ReviewStatus,
} from '../../contracts/lessons.ts';

export interface Lesson {
  id: string;
  title: string;
  grade: number;
  subject: string;
  teacherId: string;
  teacherName: string;
  status: LessonStatus;
  review: ReviewStatus;
  reviewNote?: string;
  reviewedBy?: string;
  reviewedAt?: string;
  durationSec?: number;
  source: { key: string; filename: string; size: number };
  masterKey?: string;
  /** Where the HLS lives in storage (default vod/<id>; live/<live id> for the replay of a live lesson). */
  hlsPrefix?: string;
  /** Set on the replay of a live lesson. */
  liveLessonId?: string;
  /** A co-teacher's class-only video (微课): seen by that class only, never on a channel. */
  classId?: string;
  /** The class's school (its admins see the video). */
  schoolId?: string;
  /** Subtitle renditions (字幕) offered in the master playlist. */
  subtitles?: { language: string; name: string; cues: number }[];
  posterKey?: string;
  renditions?: RenditionInfo[];
  progress?: TranscodeProgress;
  error?: { code: string; message: string };
  jobId?: string;
  attempts?: number;
  createdAt: string;
  updatedAt: string;
  readyAt?: string;
}

/** What a viewer may do with a lesson: watch it if it is ready and approved. */
export const isPublished = (l: Lesson) => l.status === 'ready' && l.review === 'approved';
