/** The grade channels (per-grade TV) and their guide on the wire. */
import { z } from 'zod';
import { DateString, IsoTime } from './common.ts';

export const Programme = z.object({
  channel: z.string(),
  slotId: z.string(),
  start: IsoTime,
  stop: IsoTime,
  title: z.string(),
  subject: z.string(),
  kind: z.enum(['live', 'recorded']),
  label: z.string(),
  /** A live slot's backup lesson: what the channel plays if the live lesson does not start or stops. */
  backup: z.object({ lessonId: z.string(), title: z.string() }).optional(),
});
export type Programme = z.infer<typeof Programme>;

export const ChannelNowNext = z.object({
  id: z.string(),
  grade: z.number().int(),
  name: z.string(),
  now: Programme.nullable(),
  next: Programme.nullable(),
  /** During a live slot: what the channel shows now (the live lesson, its backup lesson, or the slate). */
  onAir: z.enum(['live', 'backup', 'slate']).optional(),
  /** The lesson on now's TV check-in code (children watching on TV enter it in the app). */
  checkInCode: z.string().optional(),
});
export type ChannelNowNext = z.infer<typeof ChannelNowNext>;
export const ChannelGuide = z.object({ timeZone: z.string(), channels: z.array(ChannelNowNext) });
export const EpgQuery = z.object({ date: DateString.optional() });
export const ChannelDay = z.object({
  channel: z.string(),
  name: z.string(),
  date: z.string(),
  programmes: z.array(Programme),
});

export const OutputView = z.object({
  channel: z.string(),
  /** The operator's address with any passphrase replaced. */
  url: z.string(),
  by: z.string(),
  at: IsoTime,
  status: z
    .object({
      state: z.enum(['running', 'restarting', 'stopped']),
      since: IsoTime,
      restarts: z.number().int(),
      error: z.string().optional(),
    })
    .optional(),
});
export const ChannelOutput = z.object({ output: OutputView.nullable() });
/** Every grade channel with its head-end output (or none), and where outputs may go (HEAD_END_ALLOWED). */
export const HeadEndList = z.object({
  channels: z.array(
    z.object({
      channel: z.string(),
      grade: z.number().int(),
      name: z.string(),
      output: OutputView.nullable(),
    }),
  ),
  allowed: z.string(),
});
export const SetOutput = z.object({ url: z.string().min(1).max(300) });
