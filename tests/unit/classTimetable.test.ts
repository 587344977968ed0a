import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, type Slot } from '../../server/timetable/model.ts';
import { checkClassDay, type ActivityFacts } from '../../server/timetable/rules.ts';

const lesson = (start: string, end: string, subject = '数学'): Slot => ({
  id: `l-${start}`,
  grade: 3,
  date: '2026-11-23',
  start,
  end,
  subject,
  source: { kind: 'live' },
});
// A grade's morning: 08:00–08:20 and 08:35–08:55.
const grade = [lesson('08:00', '08:20'), lesson('08:35', '08:55', '语文')];
let n = 0;
const act = (start: string, end: string, onScreen = false, title = '活动'): ActivityFacts => ({
  id: `a${++n}`,
  start,
  end,
  title,
  onScreen,
});
const check = (activities: ActivityFacts[], rules = DEFAULT_RULES) =>
  checkClassDay({ activities, gradeSlots: grade, rules, grade: 3, date: '2026-11-23' }).map((v) => v.rule);

describe('class week timetables around the grade channel', () => {
  it('accepts Q&A hours, PE and a class meeting that leave the grade’s lessons and breaks free', () => {
    expect(
      check([
        act('09:10', '09:40', false, '体育'),
        act('15:40', '17:00', false, '数学答疑'),
        act('20:00', '20:20', true),
      ]),
    ).toEqual([]);
  });
  it('refuses an activity over a grade lesson (不得影响学生收看下一时段录播课)', () => {
    expect(check([act('08:05', '08:15')])).toEqual(['CLASS_CLASH']);
    expect(check([act('08:10', '08:30')])).toEqual(['BREAK', 'CLASS_CLASH']); // and 5 min before the next
    expect(check([act('07:30', '09:00')])).toEqual(['CLASS_CLASH', 'CLASS_CLASH']);
  });
  it('keeps the break before and after a grade lesson', () => {
    expect(check([act('07:50', '08:00')])).toEqual(['BREAK']); // ends as the lesson starts
    expect(check([act('08:55', '09:05')])).toEqual(['BREAK']); // starts as the lesson ends
    expect(check([act('09:10', '09:30')])).toEqual([]);
  });
  it('refuses activities that overlap each other, and bad times', () => {
    expect(check([act('10:00', '10:30'), act('10:20', '10:40')])).toEqual(['OVERLAP']);
    expect(check([act('11:00', '10:30')])).toEqual(['BAD_TIME']);
  });
  it('counts on-screen activities with the lessons towards continuous screen time', () => {
    // 09:10–09:40 on screen is 30 minutes in a row (grades 3–6: 25 at most); off screen it is fine.
    expect(check([act('09:10', '09:40', true)])).toEqual(['CONTINUOUS_SCREEN']);
    expect(check([act('09:10', '09:40', false)])).toEqual([]);
    // Two on-screen activities 5 minutes apart are one stretch.
    expect(check([act('10:00', '10:15', true), act('10:20', '10:35', true)])).toEqual(['CONTINUOUS_SCREEN']);
  });
  it('says what is wrong in Chinese and English, naming the grade lesson', () => {
    const [v] = checkClassDay({
      activities: [act('08:05', '08:15', false, '数学答疑')],
      gradeSlots: grade,
      rules: DEFAULT_RULES,
      grade: 3,
      date: '2026-11-23',
    });
    expect(v!.slot).toBe('三年级 2026-11-23 08:05–08:15 数学答疑');
    expect(v!.message['zh-CN']).toContain('《数学》08:00–08:20');
    expect(v!.message.en).toContain('class activities must leave the grade');
  });
});
