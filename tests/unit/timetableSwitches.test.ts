import { expect, it } from 'vitest';
import { timetableSwitches } from '../../server/scheduler/timetableSwitches.ts';
import type { Slot } from '../../server/timetable/model.ts';
import type { TimetableStore } from '../../server/timetable/TimetableStore.ts';

it('derives a start and an end switch per slot, at the local times of the district', async () => {
  const slots: Slot[] = [
    {
      id: 'slot_a',
      grade: 3,
      date: '2026-11-23',
      start: '08:00',
      end: '08:20',
      subject: '数学',
      source: { kind: 'live' },
    },
  ];
  const store = {
    days: async (_g: number[], dates: string[]) => slots.filter((s) => dates.includes(s.date)),
  } as unknown as TimetableStore;
  const src = timetableSwitches(store, async () => [3], 'Asia/Shanghai');
  const from = Date.parse('2026-11-22T23:00:00Z');
  const out = await src(from, from + 3 * 3600_000);
  expect(out).toEqual([
    {
      id: 'grade-3|2026-11-23|slot_a|start',
      channel: 'grade-3',
      at: Date.parse('2026-11-23T00:00:00Z'),
      kind: 'start',
      slotId: 'slot_a',
    },
    {
      id: 'grade-3|2026-11-23|slot_a|end',
      channel: 'grade-3',
      at: Date.parse('2026-11-23T00:20:00Z'),
      kind: 'end',
      slotId: 'slot_a',
    },
  ]);
  expect(await src(from, from + 30 * 60_000)).toHaveLength(0);
});
