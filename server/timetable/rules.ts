/**
 * The rule engine: every change to a grade's day is checked against the
 * rules before anything is published. Pure functions: the caller supplies
 * the slots, the rules and what it knows about the recorded lessons.
 */
import { gradeNameZh, levelOfGrade, type SchoolLevel } from '../district/model.ts';
import {
  DEFAULT_CONTINUOUS_MINUTES,
  DEFAULT_DAILY_LESSON_MINUTES,
  DEFAULT_HOMEWORK_MINUTES,
  DEFAULT_RULES_FULL,
  RULE_CODES,
  type RuleCode,
  type RuleSet,
  type Slot,
  type Violation,
} from './model.ts';

/** Minutes after midnight of "HH:MM" (or "HH:MM:SS", for short test channels and exact live times). */
export const toMinutes = (hhmm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3] ?? 0) / 60 : NaN;
};

const LEVEL_ZH: Record<SchoolLevel, string> = {
  primary_lower: '小学一、二年级',
  primary_upper: '小学三至六年级',
  junior_secondary: '初中',
  senior_secondary: '高中',
};
const LEVEL_EN: Record<SchoolLevel, string> = {
  primary_lower: 'primary grades 1–2',
  primary_upper: 'primary grades 3–6',
  junior_secondary: 'junior secondary',
  senior_secondary: 'senior secondary',
};

export function slotLabel(s: Slot): string {
  return `${gradeNameZh(s.grade)} ${s.date} ${s.start}–${s.end} ${s.subject}`;
}

export interface LessonFacts {
  grade: number;
  ready: boolean;
  approved: boolean;
  durationSec: number;
  title: string;
  /** A class-only video (微课): never on a grade channel. */
  classOnly?: boolean;
}

export interface CheckInput {
  /** Every slot of one grade on one day (one channel). */
  slots: Slot[];
  rules: RuleSet;
  /** What is known about the recorded lessons the slots name (undefined: no such lesson). */
  lesson: (id: string) => LessonFacts | undefined;
}

/**
 * Items (slots, class activities) with their start and end in minutes, sorted by start; an item
 * whose times are not valid is reported through `bad` (the BAD_TIME message) and left out.
 */
function timedOf<T extends { start: string; end: string }>(
  items: T[],
  bad: (item: T, zh: string, en: string) => void,
): { x: T; a: number; b: number }[] {
  return items
    .map((x) => ({ x, a: toMinutes(x.start), b: toMinutes(x.end) }))
    .filter(({ x, a, b }) => {
      if (Number.isNaN(a) || Number.isNaN(b) || b <= a) {
        bad(
          x,
          `时间不对：${x.start}–${x.end}。请用 24 小时制 HH:MM，结束晚于开始。`,
          `Invalid time ${x.start}–${x.end}: use 24-hour HH:MM with the end after the start.`,
        );
        return false;
      }
      return true;
    })
    .sort((p, q) => p.a - q.a);
}

/** Checks one grade's day; overridden slots are reported nowhere (their override is recorded on the slot). */
export function checkDay({ slots, rules, lesson }: CheckInput): Violation[] {
  const out: Violation[] = [];
  const add = (rule: RuleCode, s: Slot, zh: string, en: string) => {
    if (!s.override) out.push({ rule, slotId: s.id, slot: slotLabel(s), message: { 'zh-CN': zh, en } });
  };
  const timed = timedOf(slots, (s, zh, en) => add('BAD_TIME', s, zh, en)).map(({ x, a, b }) => ({
    s: x,
    a,
    b,
  }));

  for (const { s, a, b } of timed) {
    const level = levelOfGrade(s.grade);
    const len = b - a;
    const r = rules.lessonMinutes[level];
    if (len < r.min || len > r.max) {
      add(
        'LESSON_LENGTH',
        s,
        `这节课 ${len} 分钟；${LEVEL_ZH[level]}每节课应为 ${r.min}–${r.max} 分钟。`,
        `This lesson is ${len} min; lessons in ${LEVEL_EN[level]} must be ${r.min}–${r.max} min.`,
      );
    }
    if (s.source.kind === 'recorded') {
      const facts = lesson(s.source.lessonId);
      if (!facts) {
        add(
          'UNKNOWN_LESSON',
          s,
          `找不到录播课 ${s.source.lessonId}。`,
          `There is no recorded lesson ${s.source.lessonId}.`,
        );
      } else if (facts.classOnly) {
        add(
          'CLASS_ONLY',
          s,
          `《${facts.title}》是一个班的微课，只给这个班看，不能排进年级频道。`,
          `"${facts.title}" is one class's own video, not for the grade's channel.`,
        );
      } else {
        if (facts.grade !== s.grade) {
          add(
            'WRONG_GRADE',
            s,
            `《${facts.title}》是${gradeNameZh(facts.grade)}的课。`,
            `"${facts.title}" is a grade ${facts.grade} lesson.`,
          );
        }
        if (!facts.ready || !facts.approved) {
          add(
            'NOT_APPROVED',
            s,
            `《${facts.title}》还没有通过审核（或还在处理），不能排进课表。`,
            `"${facts.title}" is not approved yet (or still processing), so it cannot be scheduled.`,
          );
        } else if (facts.durationSec < len * 60 - 30) {
          add(
            'TOO_SHORT',
            s,
            `《${facts.title}》只有 ${Math.round(facts.durationSec / 60)} 分钟，这个时段需要 ${len} 分钟。`,
            `"${facts.title}" lasts ${Math.round(facts.durationSec / 60)} min; the slot needs ${len} min.`,
          );
        }
      }
    }
    // A live slot's backup lesson (备份方案) must be playable on this grade's channel.
    if (s.source.kind === 'live' && s.source.backupLessonId) {
      const id = s.source.backupLessonId;
      const facts = lesson(id);
      if (!facts) {
        add(
          'UNKNOWN_LESSON',
          s,
          `找不到备份录播课 ${id}。`,
          `There is no recorded lesson ${id} for the backup.`,
        );
      } else if (facts.classOnly) {
        add(
          'CLASS_ONLY',
          s,
          `备份课《${facts.title}》是一个班的微课，不能在年级频道播出。`,
          `The backup "${facts.title}" is one class's own video, not for the grade's channel.`,
        );
      } else if (facts.grade !== s.grade) {
        add(
          'WRONG_GRADE',
          s,
          `备份课《${facts.title}》是${gradeNameZh(facts.grade)}的课。`,
          `The backup "${facts.title}" is a grade ${facts.grade} lesson.`,
        );
      } else if (!facts.ready || !facts.approved) {
        add(
          'NOT_APPROVED',
          s,
          `备份课《${facts.title}》还没有通过审核（或还在处理）。`,
          `The backup "${facts.title}" is not approved yet (or still processing).`,
        );
      }
    }
  }

  for (let i = 1; i < timed.length; i++) {
    const prev = timed[i - 1]!;
    const cur = timed[i]!;
    const gap = cur.a - prev.b;
    if (gap < 0) {
      add(
        'OVERLAP',
        cur.s,
        `和 ${prev.s.start}–${prev.s.end} 的${prev.s.subject}课时间重叠。`,
        `Overlaps the ${prev.s.subject} lesson at ${prev.s.start}–${prev.s.end}.`,
      );
    } else if (gap < rules.minBreakMinutes) {
      add(
        'BREAK',
        cur.s,
        `和上一节课之间只休息 ${gap} 分钟，至少要 ${rules.minBreakMinutes} 分钟。`,
        `Only ${gap} min break after the previous lesson; at least ${rules.minBreakMinutes} min are required.`,
      );
    }
  }

  const live = timed.filter(({ s }) => s.source.kind === 'live');
  if (live.length) {
    const level = levelOfGrade(live[0]!.s.grade);
    const max = rules.dailyLiveMaxMinutes[level];
    let total = 0;
    for (const { s, a, b } of live) {
      total += b - a;
      if (total > max) {
        add(
          'DAILY_LIVE',
          s,
          `当天直播累计 ${total} 分钟，${LEVEL_ZH[level]}每天直播最多 ${max} 分钟。`,
          `Live lessons add up to ${total} min this day; ${LEVEL_EN[level]} may have at most ${max} min a day.`,
        );
      }
    }
  }
  if (timed.length) {
    // Every lesson counts towards the day's screen time, live or recorded.
    const level = levelOfGrade(timed[0]!.s.grade);
    const max = dailyLessonLimit(rules, level);
    let total = 0;
    for (const { s, a, b } of timed) {
      total += b - a;
      if (total > max)
        add(
          'DAILY_TOTAL',
          s,
          `当天课程累计 ${Math.round(total)} 分钟（直播和录播都算），${LEVEL_ZH[level]}每天最多 ${max} 分钟。`,
          `Lessons add up to ${Math.round(total)} min this day (live and recorded); ${LEVEL_EN[level]} may have at most ${max} min a day.`,
        );
    }
    for (const v of continuousStretches(timed, rules, level)) add('CONTINUOUS_SCREEN', v.s, v.zh, v.en);
  }
  return out.sort((x, y) => RULE_CODES.indexOf(x.rule) - RULE_CODES.indexOf(y.rule));
}

/** Minutes of lessons a grade of a level may have in a day under these rules. */
export function dailyLessonLimit(rules: RuleSet, level: SchoolLevel): number {
  return (rules.dailyLessonMaxMinutes ?? DEFAULT_DAILY_LESSON_MINUTES)[level];
}

/** The longest continuous screen time of a level under these rules. */
export function continuousLimit(rules: RuleSet, level: SchoolLevel): number {
  return (rules.continuousScreenMaxMinutes ?? DEFAULT_CONTINUOUS_MINUTES)[level];
}

/**
 * Screen items (sorted by start) joined by breaks shorter than minBreakMinutes form one stretch; each
 * item that takes a stretch past the level's limit is reported, with the stretch it ends.
 */
export function continuousStretches<S>(
  items: { s: S; a: number; b: number }[],
  rules: RuleSet,
  level: SchoolLevel,
): { s: S; zh: string; en: string }[] {
  const max = continuousLimit(rules, level);
  const out: { s: S; zh: string; en: string }[] = [];
  let from = NaN;
  let end = -Infinity;
  for (const { s, a, b } of items) {
    if (a - end >= rules.minBreakMinutes || Number.isNaN(from)) from = a;
    end = Math.max(end, b);
    const len = Math.round(end - from);
    if (len > max)
      out.push({
        s,
        zh: `连续看屏幕 ${len} 分钟（中间休息不到 ${rules.minBreakMinutes} 分钟），${LEVEL_ZH[level]}最多连续 ${max} 分钟。`,
        en: `${len} min of screen time in a row (breaks under ${rules.minBreakMinutes} min); ${LEVEL_EN[level]} may have at most ${max} min in a row.`,
      });
  }
  return out;
}

/** Homework minutes a class of a level may get for one day under these rules. */
export function homeworkLimit(rules: RuleSet, level: SchoolLevel): number {
  return (rules.homeworkDailyMaxMinutes ?? DEFAULT_HOMEWORK_MINUTES)[level];
}

/** A school may only tighten the district's rules (一校一案 within 一区一策); returns what loosens them. */
export function looserThan(district: RuleSet, school: RuleSet): string[] {
  const problems: string[] = [];
  for (const level of Object.keys(district.lessonMinutes) as SchoolLevel[]) {
    const d = district.lessonMinutes[level];
    const s = school.lessonMinutes[level];
    if (s.min < d.min || s.max > d.max)
      problems.push(`lessonMinutes.${level}: ${s.min}–${s.max} is outside the district's ${d.min}–${d.max}`);
    if (s.min > s.max) problems.push(`lessonMinutes.${level}: min is above max`);
    if (school.dailyLiveMaxMinutes[level] > district.dailyLiveMaxMinutes[level]) {
      problems.push(
        `dailyLiveMaxMinutes.${level}: ${school.dailyLiveMaxMinutes[level]} is above the district's ${district.dailyLiveMaxMinutes[level]}`,
      );
    }
    if (dailyLessonLimit(school, level) > dailyLessonLimit(district, level))
      problems.push(
        `dailyLessonMaxMinutes.${level}: ${dailyLessonLimit(school, level)} is above the district's ${dailyLessonLimit(district, level)}`,
      );
    if (continuousLimit(school, level) > continuousLimit(district, level))
      problems.push(
        `continuousScreenMaxMinutes.${level}: ${continuousLimit(school, level)} is above the district's ${continuousLimit(district, level)}`,
      );
    const dh = homeworkLimit(district, level);
    const sh = school.homeworkDailyMaxMinutes?.[level] ?? dh;
    if (sh > dh) problems.push(`homeworkDailyMaxMinutes.${level}: ${sh} is above the district's ${dh}`);
  }
  const rest = (r: RuleSet) => r.restReminderMinutes ?? DEFAULT_RULES_FULL.restReminderMinutes;
  if (rest(school) > rest(district))
    problems.push(`restReminderMinutes: ${rest(school)} is above the district's ${rest(district)}`);
  if (school.minBreakMinutes < district.minBreakMinutes)
    problems.push(
      `minBreakMinutes: ${school.minBreakMinutes} is below the district's ${district.minBreakMinutes}`,
    );
  return problems;
}

/** A class activity as the rules see it. */
export interface ActivityFacts {
  id: string;
  start: string;
  end: string;
  title: string;
  onScreen: boolean;
}

/**
 * A class's day of activities around its grade's day (班级周课表): no activity may clash with a grade
 * lesson or eat into the break before or after one (不得影响学生收看下一时段录播课), activities may not
 * overlap each other, and on-screen activities join the grade's lessons in the continuous screen-time
 * limit. Violations name the activity (slotId is its id).
 */
export function checkClassDay(o: {
  activities: ActivityFacts[];
  gradeSlots: Slot[];
  rules: RuleSet;
  grade: number;
  date: string;
}): Violation[] {
  const out: Violation[] = [];
  const label = (a: ActivityFacts) => `${gradeNameZh(o.grade)} ${o.date} ${a.start}–${a.end} ${a.title}`;
  const add = (rule: RuleCode, a: ActivityFacts, zh: string, en: string) =>
    out.push({ rule, slotId: a.id, slot: label(a), message: { 'zh-CN': zh, en } });
  const lessons = o.gradeSlots
    .map((s) => ({ s, a: toMinutes(s.start), b: toMinutes(s.end) }))
    .filter(({ a, b }) => !Number.isNaN(a) && !Number.isNaN(b));
  const acts = timedOf(o.activities, (x, zh, en) => add('BAD_TIME', x, zh, en));
  const brk = o.rules.minBreakMinutes;
  for (const { x, a, b } of acts) {
    for (const l of lessons) {
      const name = l.s.title ?? l.s.subject;
      if (a < l.b && l.a < b) {
        add(
          'CLASS_CLASH',
          x,
          `和年级课《${name}》${l.s.start}–${l.s.end} 时间冲突：班级活动不能占用年级课的时间。`,
          `Clashes with the grade's lesson "${name}" at ${l.s.start}–${l.s.end}: class activities must leave the grade's lessons free.`,
        );
      } else if ((b <= l.a && l.a - b < brk) || (a >= l.b && a - l.b < brk)) {
        add(
          'BREAK',
          x,
          `离年级课《${name}》${l.s.start}–${l.s.end} 不到 ${brk} 分钟：要给孩子留出休息时间。`,
          `Less than ${brk} min from the grade's lesson "${name}" at ${l.s.start}–${l.s.end}: leave the children their break.`,
        );
      }
    }
  }
  for (let i = 1; i < acts.length; i++) {
    const prev = acts[i - 1]!;
    const cur = acts[i]!;
    if (cur.a < prev.b)
      add(
        'OVERLAP',
        cur.x,
        `和 ${prev.x.start}–${prev.x.end} 的“${prev.x.title}”时间重叠。`,
        `Overlaps "${prev.x.title}" at ${prev.x.start}–${prev.x.end}.`,
      );
  }
  // On-screen activities and the grade's lessons, as one day of screen time.
  const level = levelOfGrade(o.grade);
  const screen = [
    ...lessons.map((l) => ({ s: null as ActivityFacts | null, a: l.a, b: l.b })),
    ...acts.filter(({ x }) => x.onScreen).map(({ x, a, b }) => ({ s: x as ActivityFacts | null, a, b })),
  ].sort((p, q) => p.a - q.a);
  for (const v of continuousStretches(screen, o.rules, level))
    if (v.s) add('CONTINUOUS_SCREEN', v.s, v.zh, v.en);
  return out.sort((x, y) => RULE_CODES.indexOf(x.rule) - RULE_CODES.indexOf(y.rule));
}
