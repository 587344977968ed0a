/**
 * A live lesson is bound to its timetable slot (rules over all instruction):
 * its lead teacher starts it from shortly before its slot until the slot's
 * end; outside that — or a lesson on no slot at all — only a district admin
 * may start it, with a reason that goes to the audit log.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { localDate, slotInstant } from '../timetable/epg.ts';
import type { LiveLesson } from './LiveLesson.ts';

/** How early before its slot a teacher may go live (set up, sound check). */
export const LIVE_EARLY_MS = 15 * 60_000;

/** The longest a district admin's allowance to go live outside the timetable lasts. */
export const MAX_ALLOWANCE_MIN = 240;

/** A district admin's allowance for a lesson to go live outside its slot (audited when given). */
export interface OutsideSlotAllowance {
  until: number;
  reason: string;
  by: string;
}

const allowanceKey = (liveId: string) => `sc:live:allow:${liveId}`;

/** Lets the lesson's teacher go live outside the timetable for `minutes` from now. */
export async function allowOutsideSlot(
  redis: Redis,
  liveId: string,
  a: { minutes: number; reason: string; by: string },
  now = Date.now(),
): Promise<OutsideSlotAllowance> {
  const v: OutsideSlotAllowance = { until: now + a.minutes * 60_000, reason: a.reason, by: a.by };
  await redis.set(allowanceKey(liveId), JSON.stringify(v), 'PX', a.minutes * 60_000);
  return v;
}

export async function allowanceOf(redis: Redis, liveId: string): Promise<OutsideSlotAllowance | undefined> {
  const v = await redis.get(allowanceKey(liveId));
  return v ? (JSON.parse(v) as OutsideSlotAllowance) : undefined;
}

export interface LiveSlotWindow {
  slotId: string;
  date: string;
  start: number;
  end: number;
  /** The slot as the timetable shows it, in the district's time: "2026-12-02 09:00–09:40". */
  local: string;
}

/** The slots of today (and yesterday, for a slot past midnight) that carry this live lesson. */
export async function liveSlotsOf(
  timetable: TimetableStore,
  l: Pick<LiveLesson, 'id' | 'grade'>,
  timeZone: string,
  now = Date.now(),
): Promise<LiveSlotWindow[]> {
  const dates = [localDate(timeZone, now - 86_400_000), localDate(timeZone, now)];
  const out: LiveSlotWindow[] = [];
  for (const date of dates)
    for (const s of await timetable.day(l.grade, date))
      if (s.source.kind === 'live' && s.source.liveLessonId === l.id)
        out.push({
          slotId: s.id,
          date,
          start: slotInstant(s.date, s.start, timeZone).getTime(),
          end: slotInstant(s.date, s.end, timeZone).getTime(),
          local: `${s.date} ${s.start.slice(0, 5)}–${s.end.slice(0, 5)}`,
        });
  return out;
}

/**
 * Whether the lesson may go live now for this user: within its slot (from LIVE_EARLY_MS before), or
 * a district admin with a reason (returned, to be audited). Throws the refusal otherwise.
 */
export async function checkLiveStart(
  o: { timetable: TimetableStore; timeZone: string; allowance?: OutsideSlotAllowance },
  user: { role: string },
  l: Pick<LiveLesson, 'id' | 'grade' | 'title'>,
  reason: string | undefined,
  now = Date.now(),
): Promise<{ outsideSlot: false } | { outsideSlot: true; reason: string }> {
  if (o.allowance && o.allowance.until > now) return { outsideSlot: false }; // audited when it was given
  const slots = await liveSlotsOf(o.timetable, l, o.timeZone, now);
  if (slots.some((s) => now >= s.start - LIVE_EARLY_MS && now <= s.end)) return { outsideSlot: false };
  const when = slots.length
    ? `its slot is ${slots.map((s) => s.local).join(', ')} (it may start 15 min before)`
    : 'it is on no timetable slot';
  const zhWhen = slots.length ? `课表时段 ${slots.map((s) => s.local).join('、')}` : '它不在任何课表时段里';
  if (user.role === 'district_admin') {
    if (reason && reason.trim().length >= 4) return { outsideSlot: true, reason: reason.trim() };
    throw new AppError(
      'CONFLICT',
      `“${l.title}” is not in its timetable slot now (${when}). To start it anyway, give a reason (outsideSlotReason); it is recorded in the audit log.`,
      undefined,
      {
        messageZh: `《${l.title}》现在不在课表时段内（${zhWhen}）。如确需开播，请填写原因（会记入审计日志）。`,
      },
    );
  }
  throw new AppError(
    'CONFLICT',
    `“${l.title}” can go live only in its timetable slot (${when}). Ask the district to schedule it, or a district admin to allow it outside the timetable (live lessons list → “Allow outside the timetable”).`,
    undefined,
    {
      messageZh: `《${l.title}》只能在课表安排的时段内开播（${zhWhen}，可提前 15 分钟）。请联系区里排进课表，或请区管理员在“直播课”列表里点“允许课表外开播”。`,
    },
  );
}
