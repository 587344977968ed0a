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
    expect(check([slot(3, '08:00', '08:45')])).toEqual(['LESSON_LENGTH']);
    expect(check([slot(8, '08:00', '08:30')])).toEqual([]);
    expect(check([slot(8, '08:00', '08:15')])).toEqual(['LESSON_LENGTH']);
  });
  it('breaks of at least 15 min, and no overlaps in a channel', () => {
    expect(check([slot(3, '08:00', '08:20'), slot(3, '08:30', '08:50')])).toEqual(['BREAK']);
    expect(check([slot(3, '08:00', '08:20'), slot(3, '08:10', '08:30')])).toEqual(['OVERLAP']);
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
    expect(check(day(1, 4))).toEqual(['DAILY_LIVE']);
    expect(check(day(4, 6))).toEqual([]);
    expect(check(day(4, 7))).toEqual(['DAILY_LIVE']);
    expect(check(day(8, 8, 30))).toEqual([]);
    expect(check(day(8, 9, 30))).toEqual(['DAILY_LIVE']);
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
  });
});
