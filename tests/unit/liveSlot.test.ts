/**
 * Out-of-slot live lessons (rules over all instruction): a live lesson goes live from 15 min
 * before its timetable slot until the slot's end; otherwise only a district admin with a reason.
 */
import { describe, expect, it } from 'vitest';
import { checkLiveStart, LIVE_EARLY_MS } from '../../server/live/liveSlot.ts';
import type { TimetableStore } from '../../server/timetable/TimetableStore.ts';
import type { Slot } from '../../server/timetable/model.ts';
import { slotInstant } from '../../server/timetable/epg.ts';

const TZ = 'Asia/Shanghai';
const lesson = { id: 'liv_1', grade: 3, title: '认识钟表' };

/** A timetable with one live slot of `lesson` on 2026-12-02 09:00–09:40 (and a recorded one after it). */
function timetable(days: Record<string, Partial<Slot>[]>): TimetableStore {
  return {
    day: async (_grade: number, date: string) => (days[date] ?? []) as Slot[],
  } as unknown as TimetableStore;
}
const tt = timetable({
  '2026-12-02': [
    {
      id: 's1',
      date: '2026-12-02',
      start: '09:00',
      end: '09:40',
      source: { kind: 'live', liveLessonId: 'liv_1' },
    },
    {
      id: 's2',
      date: '2026-12-02',
      start: '10:00',
      end: '10:20',
      source: { kind: 'recorded', lessonId: 'les_1' },
    },
  ] as never,
});
const at = (hhmm: string) => slotInstant('2026-12-02', hhmm, TZ).getTime();
const teacher = { role: 'lead_teacher' };
const admin = { role: 'district_admin' };

describe('a live lesson bound to its timetable slot', () => {
  it('starts from 15 min before its slot until the slot ends', async () => {
    for (const t of [at('09:00') - LIVE_EARLY_MS, at('09:00'), at('09:39'), at('09:40')])
      expect(await checkLiveStart({ timetable: tt, timeZone: TZ }, teacher, lesson, undefined, t)).toEqual({
        outsideSlot: false,
      });
  });

  it('refuses its teacher before and after the slot, naming the slot in local time', async () => {
    for (const t of [at('08:44'), at('09:41'), at('10:05')]) {
      const err = await checkLiveStart({ timetable: tt, timeZone: TZ }, teacher, lesson, undefined, t).catch(
        (e: Error & { code?: string }) => e,
      );
      expect(err).toMatchObject({ code: 'CONFLICT' });
      expect((err as Error).message).toContain('2026-12-02 09:00–09:40');
    }
  });

  it('refuses a lesson on no slot, even with a reason, unless a district admin starts it', async () => {
    const none = timetable({});
    const err = await checkLiveStart(
      { timetable: none, timeZone: TZ },
      teacher,
      lesson,
      '临时加课',
      at('09:10'),
    ).catch((e: Error & { code?: string }) => e);
    expect((err as Error).message).toContain('no timetable slot');
    // A district admin: a reason of a few characters at least; it is returned to be audited.
    const short = await checkLiveStart(
      { timetable: none, timeZone: TZ },
      admin,
      lesson,
      ' x ',
      at('09:10'),
    ).catch((e: Error) => e);
    expect((short as Error).message).toContain('outsideSlotReason');
    expect(
      await checkLiveStart({ timetable: none, timeZone: TZ }, admin, lesson, ' 防疫临时通知 ', at('09:10')),
    ).toEqual({
      outsideSlot: true,
      reason: '防疫临时通知',
    });
  });

  it('finds a slot of yesterday that runs past midnight', async () => {
    const late = timetable({
      '2026-12-01': [
        {
          id: 'n',
          date: '2026-12-01',
          start: '23:30',
          end: '24:00',
          source: { kind: 'live', liveLessonId: 'liv_1' },
        },
      ] as never,
    });
    const t = slotInstant('2026-12-01', '23:50', TZ).getTime();
    expect(await checkLiveStart({ timetable: late, timeZone: TZ }, teacher, lesson, undefined, t)).toEqual({
      outsideSlot: false,
    });
  });
});
