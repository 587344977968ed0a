/** Live lessons (a lead teacher broadcasts to a whole grade) on the wire. */
import { z } from 'zod';
import { IsoTime, LessonHeading } from './common.ts';

export const LIVE_STATUSES = ['scheduled', 'live', 'ended'] as const;
export const LiveStatus = z.enum(LIVE_STATUSES);
export type LiveStatus = z.infer<typeof LiveStatus>;

export const LiveLessonView = LessonHeading.extend({
  status: LiveStatus,
  roomId: z.string(),
  /** Who is publishing right now (the teacher, or an admin standing in). */
  publisherId: z.string().optional(),
  /** The publisher's instance refreshes this; after it (a crashed instance) publisherId no longer counts. */
  publisherUntil: IsoTime.optional(),
  /** The teacher is sharing the screen (a second video). */
  screenOn: z.boolean().optional(),
  /** The replay in the lesson catalogue, once the lesson has ended. */
  replayLessonId: z.string().optional(),
  scheduledAt: IsoTime.optional(),
  startedAt: IsoTime.optional(),
  endedAt: IsoTime.optional(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  /** This user may start, end and broadcast it. */
  canRun: z.boolean(),
});
export type LiveLessonView = z.infer<typeof LiveLessonView>;

export const CreateLive = z.object({
  title: z.string().trim().min(1).max(100),
  grade: z.number().int(),
  subject: z.string().trim().min(1).max(20),
  scheduledAt: z.iso.datetime({ offset: true }).optional(),
});
export const OneLive = z.object({ lesson: LiveLessonView });
export const LiveList = z.object({ lessons: z.array(LiveLessonView) });
export const PublishToken = z.object({ publishToken: z.string(), expiresAt: IsoTime });
export const LiveStarted = OneLive.extend(PublishToken.shape);
/** The live HLS URL (the same for every viewer); the answer also renews the HLS viewing-pass cookie. */
export const LivePlayback = z.object({ masterUrl: z.string() });
