import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, type Slot } from '../../server/timetable/model.ts';
import { checkDay, looserThan, type LessonFacts } from '../../server/timetable/rules.ts';

let n = 0;
const slot = (grade: number, start: string, end: string, o: Partial<Slot> = {}): Slot => ({
  id: `s${++n}`,
  grade,
  date: '2026-11-23',
  start,
  end,
  subject: '数学',
  source: { kind: 'live' },
  ...o,
});
const lessons: Record<string, LessonFacts> = {
  ok: { grade: 3, ready: true, approved: true, durationSec: 20 * 60, title: '认识钟表' },
  pending: { grade: 3, ready: true, approved: false, durationSec: 20 * 60, title: '待审核' },
  short: { grade: 3, ready: true, approved: true, durationSec: 12 * 60, title: '太短' },
  g5: { grade: 5, ready: true, approved: true, durationSec: 20 * 60, title: '五年级' },
};
const check = (slots: Slot[], rules = DEFAULT_RULES) =>
  checkDay({ slots, rules, lesson: (id) => lessons[id] }).map((v) => v.rule);

describe('timetable rules', () => {
  it('accepts a normal primary morning: 20 min lessons with 15+ min breaks', () => {
    expect(
      check([
        slot(3, '08:00', '08:20'),
        slot(3, '08:35', '08:55'),
        slot(3, '09:10', '09:30', { source: { kind: 'recorded', lessonId: 'ok' } }),
      ]),
    ).toEqual([]);
  });
  it('lesson length per school level: ~20 min primary, ~30 min junior', () => {
    // 45 minutes is too long a lesson, and too long to look at a screen in one go.
    expect(check([slot(3, '08:00', '08:45')])).toEqual(['LESSON_LENGTH', 'CONTINUOUS_SCREEN']);
    expect(check([slot(8, '08:00', '08:30')])).toEqual([]);
    expect(check([slot(8, '08:00', '08:15')])).toEqual(['LESSON_LENGTH']);
  });
  it('breaks of at least 15 min, and no overlaps in a channel', () => {
    expect(check([slot(3, '08:00', '08:20'), slot(3, '08:30', '08:50')])).toEqual([
      'BREAK',
      'CONTINUOUS_SCREEN',
    ]);
    expect(check([slot(3, '08:00', '08:20'), slot(3, '08:10', '08:30')])).toEqual([
      'OVERLAP',
      'CONTINUOUS_SCREEN',
    ]);
  });
  it('daily live totals: 1 h for grades 1–2, 2 h for 3–6, 4 h junior', () => {
    const day = (g: number, k: number, len = 20) =>
      Array.from({ length: k }, (_, i) => {
        const a = 8 * 60 + i * (len + 15);
        const f = (m: number) =>
          `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        return slot(g, f(a), f(a + len));
      });
    expect(check(day(1, 3))).toEqual([]);
    // Live lessons count for both caps: the live one and the day's total.
    expect(check(day(1, 4))).toEqual(['DAILY_LIVE', 'DAILY_TOTAL']);
    expect(check(day(4, 6))).toEqual([]);
    expect(check(day(4, 7))).toEqual(['DAILY_LIVE', 'DAILY_TOTAL']);
    expect(check(day(8, 8, 30))).toEqual([]);
    expect(check(day(8, 9, 30))).toEqual(['DAILY_LIVE', 'DAILY_TOTAL']);
  });
  it('recorded-heavy days: every lesson counts towards the day’s total, with the district’s figures', () => {
    const recordedDay = (g: number, k: number) =>
      Array.from({ length: k }, (_, i) => {
        const a = 8 * 60 + i * 35;
        const f = (m: number) =>
          `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        return slot(g, f(a), f(a + 20), { source: { kind: 'recorded', lessonId: `rec${g}` } });
      });
    lessons.rec1 = { grade: 1, ready: true, approved: true, durationSec: 20 * 60, title: '一年级录播' };
    lessons.rec3 = { grade: 3, ready: true, approved: true, durationSec: 20 * 60, title: '三年级录播' };
    // The demo's old day: 36 recorded lessons for grade 1 used to pass every rule.
    const day36 = recordedDay(1, 36).map((s, i) => ({
      ...s,
      start: `${String(Math.floor((i * 40) / 60)).padStart(2, '0')}:${String((i * 40) % 60).padStart(2, '0')}`,
      end: `${String(Math.floor((i * 40 + 25) / 60)).padStart(2, '0')}:${String((i * 40 + 25) % 60).padStart(2, '0')}`,
    }));
    lessons.rec1.durationSec = 25 * 60;
    const v = check(day36);
    expect(new Set(v)).toEqual(new Set(['DAILY_TOTAL']));
    expect(v).toHaveLength(36 - 2); // the first two (50 min) fit the 60 min of grades 1–2
    lessons.rec1.durationSec = 20 * 60;
    expect(check(recordedDay(1, 3))).toEqual([]);
    expect(check(recordedDay(1, 4))).toEqual(['DAILY_TOTAL']);
    expect(check(recordedDay(3, 6))).toEqual([]);
    expect(check(recordedDay(3, 7))).toEqual(['DAILY_TOTAL']);
    // The district chooses the figure: 90 minutes for grades 3–6.
    const district = structuredClone(DEFAULT_RULES);
    district.dailyLessonMaxMinutes = {
      primary_lower: 60,
      primary_upper: 90,
      junior_secondary: 240,
      senior_secondary: 240,
    };
    expect(check(recordedDay(3, 4), district)).toEqual([]);
    expect(check(recordedDay(3, 5), district)).toEqual(['DAILY_TOTAL']);
  });
  it('continuous screen time: lessons without a real break between them are one stretch', () => {
    const rules = structuredClone(DEFAULT_RULES);
    rules.continuousScreenMaxMinutes = {
      primary_lower: 20,
      primary_upper: 30,
      junior_secondary: 40,
      senior_secondary: 45,
    };
    expect(check([slot(1, '08:00', '08:20')], rules)).toEqual([]);
    expect(check([slot(1, '08:00', '08:25')], rules)).toEqual(['CONTINUOUS_SCREEN']);
    // A break long enough ends the stretch; a short one (here overridden) does not.
    const short = { override: { reason: '测试', by: 'admin', at: '2026-11-22T10:00:00Z' } };
    expect(check([slot(4, '08:00', '08:20'), slot(4, '08:35', '08:55')], rules)).toEqual([]);
    expect(check([slot(4, '08:00', '08:20'), slot(4, '08:25', '08:45')], rules)).toEqual([
      'BREAK',
      'CONTINUOUS_SCREEN',
    ]);
    expect(check([slot(4, '08:00', '08:20', short), slot(4, '08:25', '08:45', short)], rules)).toEqual([]);
  });
  it('recorded lessons must exist, be of the grade, approved and long enough', () => {
    const rec = (id: string) => slot(3, '08:00', '08:20', { source: { kind: 'recorded', lessonId: id } });
    expect(check([rec('nope')])).toEqual(['UNKNOWN_LESSON']);
    expect(check([rec('pending')])).toEqual(['NOT_APPROVED']);
    expect(check([rec('short')])).toEqual(['TOO_SHORT']);
    expect(check([rec('g5')])).toEqual(['WRONG_GRADE']);
  });
  it('bad times are reported, not crashed on', () => {
    expect(check([slot(3, '8:00', '08:20')])).toEqual(['BAD_TIME']);
    expect(check([slot(3, '09:00', '08:20')])).toEqual(['BAD_TIME']);
  });
  it('messages name the rule and the slot in Chinese and English', () => {
    const [v] = checkDay({
      slots: [slot(3, '08:00', '08:45')],
      rules: DEFAULT_RULES,
      lesson: () => undefined,
    });
    expect(v!.slot).toBe('三年级 2026-11-23 08:00–08:45 数学');
    expect(v!.message['zh-CN']).toContain('15–25 分钟');
    expect(v!.message.en).toContain('15–25 min');
  });
  it('an explicit override silences a slot’s violations', () => {
    expect(
      check([
        slot(3, '08:00', '08:45', {
          override: { reason: '期末复习课', by: 'admin', at: '2026-11-22T10:00:00Z' },
        }),
      ]),
    ).toEqual([]);
  });
  it('rules can be tightened per school but never loosened', () => {
    const tighter = structuredClone(DEFAULT_RULES);
    tighter.dailyLiveMaxMinutes.primary_upper = 90;
    tighter.lessonMinutes.primary_upper = { min: 15, max: 20 };
    expect(looserThan(DEFAULT_RULES, tighter)).toEqual([]);
    expect(check([slot(3, '08:00', '08:25')], tighter)).toEqual(['LESSON_LENGTH']);
    const looser = structuredClone(DEFAULT_RULES);
    looser.minBreakMinutes = 10;
    looser.dailyLiveMaxMinutes.primary_lower = 90;
    expect(looserThan(DEFAULT_RULES, looser)).toHaveLength(2);
    const moreScreen = structuredClone(DEFAULT_RULES);
    moreScreen.dailyLessonMaxMinutes = {
      primary_lower: 90,
      primary_upper: 120,
      junior_secondary: 240,
      senior_secondary: 240,
    };
    moreScreen.continuousScreenMaxMinutes = {
      primary_lower: 25,
      primary_upper: 25,
      junior_secondary: 60,
      senior_secondary: 45,
    };
    expect(looserThan(DEFAULT_RULES, moreScreen)).toEqual([
      "dailyLessonMaxMinutes.primary_lower: 90 is above the district's 60",
      "continuousScreenMaxMinutes.junior_secondary: 60 is above the district's 40",
    ]);
  });
});
