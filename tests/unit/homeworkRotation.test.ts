import { describe, expect, it } from 'vitest';
import {
  countsOf,
  minutesOn,
  proposeRotation,
  recordInDepth,
  stateOf,
  type RotationState,
} from '../../server/homework/rotation.ts';
import type { Assignment, Submission } from '../../contracts/homework.ts';

const students = Array.from({ length: 12 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const days = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'];

/** The teacher marks in depth exactly what is proposed, every day. */
function runDays(n: number): { state: RotationState; perDay: string[][] } {
  let state: RotationState = { round: 1, entries: new Map() };
  const perDay: string[][] = [];
  for (const day of days.slice(0, n)) {
    const p = proposeRotation(students, state, day);
    perDay.push(p.proposed);
    for (const s of p.proposed) state = recordInDepth(students, state, s, day);
  }
  return { state, perDay };
}

describe('the daily in-depth marking rotation', () => {
  it('proposes five students a day and covers the whole class before anyone twice', () => {
    const { perDay, state } = runDays(3);
    expect(perDay.map((d) => d.length)).toEqual([5, 5, 5]);
    // 12 students: days 1–2 cover ten, day 3 the last two, then the next round starts with the least recent.
    const firstRound = [...perDay[0]!, ...perDay[1]!, ...perDay[2]!.slice(0, 2)];
    expect(new Set(firstRound).size).toBe(12);
    expect(perDay[2]!.slice(2)).toEqual(perDay[0]!.slice(0, 3));
    expect(state.round).toBe(2);
  });

  it('counts students marked today against the day’s five and never proposes them again that day', () => {
    let state: RotationState = { round: 1, entries: new Map() };
    state = recordInDepth(students, state, 's07', days[0]!);
    state = recordInDepth(students, state, 's09', days[0]!);
    const p = proposeRotation(students, state, days[0]!);
    expect(p.markedToday).toEqual(['s07', 's09']);
    expect(p.proposed).toHaveLength(3);
    expect(p.proposed).not.toContain('s07');
    expect(p.coveredThisRound).toBe(2);
    // The next day, those two are not due before everyone else.
    const next = proposeRotation(students, state, days[1]!);
    expect(next.proposed).toEqual(['s01', 's02', 's03', 's04', 's05']);
  });

  it('proposes the whole class when it has five students or fewer', () => {
    const few = ['a', 'b', 'c'];
    expect(proposeRotation(few, { round: 1, entries: new Map() }, days[0]!).proposed).toEqual(few);
  });
});

describe('homework states and minutes', () => {
  const sub = (over: Partial<Submission>): Submission => ({
    assignmentId: 'hw',
    studentId: 's',
    studentName: 'S',
    submittedAt: '2026-03-02T10:00:00Z',
    late: false,
    attachments: [],
    version: 1,
    ...over,
  });
  const mark = {
    redo: false,
    inDepth: false,
    markedBy: 't',
    markedByName: 'T',
    markedAt: '2026-03-02T12:00:00Z',
  };

  it('names each state and counts them', () => {
    const states = [
      stateOf(undefined),
      stateOf(sub({})),
      stateOf(sub({ late: true })),
      stateOf(sub({ mark })),
      stateOf(sub({ mark: { ...mark, redo: true } })),
    ];
    expect(states).toEqual(['missing', 'submitted', 'late', 'marked', 'redo']);
    expect(countsOf(states)).toEqual({ submitted: 4, late: 1, missing: 1, marked: 1, redo: 1 });
  });

  it('sums a class’s minutes for one day only', () => {
    const a = (id: string, date: string, classIds: string[], m: number) =>
      ({ id, date, classIds, expectedMinutes: m }) as Assignment;
    const list = [
      a('1', days[0]!, ['c1'], 20),
      a('2', days[0]!, ['c1', 'c2'], 15),
      a('3', days[1]!, ['c1'], 30),
    ];
    expect(minutesOn(list, 'c1', days[0]!)).toBe(35);
    expect(minutesOn(list, 'c2', days[0]!)).toBe(15);
    expect(minutesOn(list, 'c1', days[0]!, '2')).toBe(20);
  });
});
