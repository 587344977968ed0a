/** The duty console (值班监控台): the district's service at a glance, for district admins. */
import { z } from 'zod';
import { IsoTime } from './common.ts';

export const CHANNEL_STATES = ['on-air', 'live', 'backup', 'break', 'slate', 'failing'] as const;

export const DutyAlert = z.object({
  level: z.enum(['warning', 'critical']),
  code: z.enum([
    'SLATE_DURING_LESSON',
    'BACKUP_ON_AIR',
    'LIVE_NO_MEDIA',
    'NODE_LOST',
    'OUTPUT_FAILING',
    'ERROR_RATE',
  ]),
  /** What is wrong, in Chinese and English. */
  message: z.string(),
  messageEn: z.string(),
  /** What it is about: a channel, a live lesson or a media node. */
  subject: z.string(),
  since: IsoTime.nullable(),
});
export type DutyAlert = z.infer<typeof DutyAlert>;

export const DutySnapshot = z.object({
  at: IsoTime,
  channels: z.array(
    z.object({
      id: z.string(),
      grade: z.number().int(),
      name: z.string(),
      /** on-air (a recorded lesson), live (a live lesson with media), break (between lessons),
       * slate (a live slot without media: the slate is shown), failing (a slot that cannot play). */
      state: z.enum(CHANNEL_STATES),
      now: z
        .object({ title: z.string(), kind: z.enum(['live', 'recorded']), start: IsoTime, stop: IsoTime })
        .nullable(),
      output: z
        .object({
          state: z.enum(['running', 'restarting', 'stopped']),
          restarts: z.number().int(),
          error: z.string().nullable(),
        })
        .nullable(),
    }),
  ),
  live: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      grade: z.number().int(),
      teacherName: z.string(),
      status: z.enum(['scheduled', 'live', 'ended']),
      viewers: z.number().int(),
      /** The media node holding its room, when placed. */
      node: z.string().nullable(),
      /** Seconds since its live HLS last received media (null: none yet). */
      mediaAgeSec: z.number().nullable(),
    }),
  ),
  nodes: z.array(
    z.object({ id: z.string(), load: z.number().int(), maxLoad: z.number().int(), startedAt: IsoTime }),
  ),
  transcodes: z.record(z.string(), z.number().int()),
  /** Requests and server errors (5xx) over the last five minutes, all api instances. */
  requests: z.object({ total: z.number().int(), errors: z.number().int(), errorRate: z.number() }),
  alerts: z.array(DutyAlert),
});
export type DutySnapshot = z.infer<typeof DutySnapshot>;
