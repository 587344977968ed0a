/** A live lesson: a lead teacher broadcasts to a whole grade. scheduled → live → ended. */
export const LIVE_STATUSES = ['scheduled', 'live', 'ended'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

export interface LiveLesson {
  id: string;
  title: string;
  grade: number;
  subject: string;
  teacherId: string;
  teacherName: string;
  status: LiveStatus;
  /** The SFU room of this lesson. */
  roomId: string;
  /** Who is publishing right now (the teacher, or an admin standing in). */
  publisherId?: string;
  /** The teacher is sharing the screen (a second video). */
  screenOn?: boolean;
  /** The replay in the lesson catalogue, once the lesson has ended. */
  replayLessonId?: string;
  scheduledAt?: string;
  startedAt?: string;
  endedAt?: string;
  createdAt: string;
  updatedAt: string;
}
