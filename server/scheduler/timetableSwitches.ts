/** The switches of every grade channel, derived from the timetable: each slot starts and ends one. */
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { channelId, localDate, slotInstant } from '../timetable/epg.ts';
import type { Switch } from './Scheduler.ts';

export function timetableSwitches(store: TimetableStore, grades: () => Promise<number[]>, timeZone: string) {
  return async (from: number, to: number): Promise<Switch[]> => {
    const dates = [...new Set([localDate(timeZone, from), localDate(timeZone, to)])];
    const slots = await store.days(await grades(), dates);
    const out: Switch[] = [];
    for (const s of slots) {
      for (const kind of ['start', 'end'] as const) {
        const at = slotInstant(s.date, kind === 'start' ? s.start : s.end, timeZone).getTime();
        if (at >= from && at <= to)
          out.push({
            id: `${channelId(s.grade)}|${s.date}|${s.id}|${kind}`,
            channel: channelId(s.grade),
            at,
            kind,
            slotId: s.id,
          });
      }
    }
    return out;
  };
}
