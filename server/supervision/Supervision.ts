/**
 * Supervision (督导): district → school → grade → class roll-ups of
 * attendance, participation (questions asked and answered, homework handed
 * in) and teachers on duty, per day and over a range of days.
 *
 * A roll-up of a district (tens of thousands of students × a week of watch
 * logs) is never computed from the raw logs at request time. Each class's day
 * is summarised in the background into one small record (the same figures
 * the class page shows), kept in one Redis hash per date
 * (sc:sup:<date>: class id → summary), so the district's week is 7 HGETALLs.
 * The sweep runs on every instance under a Redis lock: today every few
 * minutes, yesterday once more after midnight (final). Admins may refresh
 * today at once (the page's 刷新 button).
 */
import type { Redis } from 'ioredis';
import { AppError, notFound, rateLimited } from '../errors.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import { gradeNameZh, type SchoolClass, type User } from '../district/model.ts';
import type { AttendanceReport } from '../presence/AttendanceReport.ts';
import type { Homework } from '../homework/Homework.ts';
import type { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import { dayCount, datesFrom, localDate, shiftDate } from '../timetable/epg.ts';
import { toCsv } from '../csv.ts';
import { mapLimit } from '../../core/mapLimit.ts';
import { adminSchool } from '../auth/policy.ts';
import type * as sup from '../../contracts/supervision.ts';
import type { z } from 'zod';

type Figures = z.infer<typeof sup.SupervisionFigures>;
type Scope = z.infer<typeof sup.SupervisionScope>;
type View = z.infer<typeof sup.SupervisionView>;
type Query = z.output<typeof sup.SupervisionQuery>;

/** One class's day, as the sweep stores it. */
export interface ClassDay {
  school: string;
  grade: number;
  students: number;
  lessons: number;
  cells: number;
  present: number;
  partial: number;
  absent: number;
  questions: number;
  answers: number;
  homeworkDue: number;
  homeworkDone: number;
  dutyCells: number;
  dutyListened: number;
  /** When it was computed (ms). */
  at: number;
}

const K = {
  day: (date: string) => `sc:sup:${date}`,
  final: (date: string) => `sc:sup:final:${date}`,
  lock: 'sc:sup:lock',
  refresh: (scope: string) => `sc:sup:refresh:${scope}`,
};

const OWN_SCHOOL_ONLY = {
  message: 'You supervise your own school only.',
  messageZh: '你只能查看本校的督导统计。',
};

/** Summaries are kept this long (a school year and a little more). */
const KEEP_S = 400 * 86_400;
/** The longest range one view covers. */
export const MAX_RANGE_DAYS = 31;
/** Classes summarised at once by a sweep (each is a few pipelined Redis round trips). */
const CONCURRENCY = 16;

export interface SupervisionDeps {
  redis: Redis;
  store: DistrictStore;
  attendance: AttendanceReport;
  homework: Homework;
  rooms: ClassRoomStore;
  timeZone: string;
}

const pct = (n: number, of: number) => (of > 0 ? Math.round((n / of) * 1000) / 10 : null);

function emptyFigures(): Figures {
  return {
    classes: 0,
    students: 0,
    lessons: 0,
    cells: 0,
    present: 0,
    partial: 0,
    absent: 0,
    attendancePct: null,
    questions: 0,
    answers: 0,
    homeworkDue: 0,
    homeworkDone: 0,
    homeworkPct: null,
    dutyCells: 0,
    dutyListened: 0,
    dutyPct: null,
  };
}

const SUMMED = [
  'lessons',
  'cells',
  'present',
  'partial',
  'absent',
  'questions',
  'answers',
  'homeworkDue',
  'homeworkDone',
  'dutyCells',
  'dutyListened',
] as const;

/** Adds a class's days (students: the most the class had on any of them) into `into`. */
function add(into: Figures, days: ClassDay[]): void {
  if (!days.length) return;
  into.classes += 1;
  into.students += Math.max(...days.map((d) => d.students));
  for (const d of days) for (const k of SUMMED) into[k] += d[k];
}

function finish(f: Figures): Figures {
  f.attendancePct = pct(f.present, f.cells);
  f.homeworkPct = pct(f.homeworkDone, f.homeworkDue);
  f.dutyPct = pct(f.dutyListened, f.dutyCells);
  return f;
}

/** The dates from `from` to `to`, both included. */
function datesOf(from: string, to: string): string[] {
  const n = dayCount(from, to);
  if (!(n >= 1 && n <= MAX_RANGE_DAYS))
    throw new AppError(
      'VALIDATION_FAILED',
      `Choose 1 to ${MAX_RANGE_DAYS} days, "from" on or before "to" (got ${from} … ${to}).`,
    );
  return datesFrom(from, n);
}

export class Supervision {
  readonly #d: SupervisionDeps;

  constructor(d: SupervisionDeps) {
    this.#d = d;
  }

  today(now = Date.now()): string {
    return localDate(this.#d.timeZone, now);
  }

  /** One class's day from its students' and co-teachers' watch logs, marks, TV check-ins, room and homework. */
  async summarise(cls: SchoolClass, date: string, now = Date.now()): Promise<ClassDay> {
    const { store, attendance, homework, rooms } = this.#d;
    const [students, teachers] = await Promise.all([
      store.listStudents(cls.id),
      store.listClassTeachers(cls.id),
    ]);
    const coTeachers = teachers.filter((t) => t.role === 'co_teacher');
    // Students and co-teachers in one pass: the class's lessons, marks and check-ins are read once.
    const [att, [room], hw] = await Promise.all([
      attendance.rowsOf(cls, [...students, ...coTeachers], date, now),
      rooms.participation([cls.id], date),
      homework.dayCompletion(
        cls.id,
        students.map((s) => s.id),
        date,
      ),
    ]);
    const begun = (rows: typeof att.rows) =>
      rows.flatMap((r) => r.slots).filter((a) => a.status !== 'upcoming');
    const cells = begun(att.rows.slice(0, students.length));
    const dutyCells = begun(att.rows.slice(students.length));
    return {
      school: cls.schoolId,
      grade: cls.grade,
      students: students.length,
      lessons: att.slots.length,
      cells: cells.length,
      present: cells.filter((a) => a.status === 'present').length,
      partial: cells.filter((a) => a.status === 'partial').length,
      absent: cells.filter((a) => a.status === 'absent').length,
      questions: room?.questions ?? 0,
      answers: room?.answers ?? 0,
      homeworkDue: hw.due,
      homeworkDone: hw.done,
      dutyCells: dutyCells.length,
      // Listened along: present by the attendance rules, as the workload page and 谁没在听 count it.
      dutyListened: dutyCells.filter((a) => a.status === 'present').length,
      at: now,
    };
  }

  /** Summarises these classes' day and stores the summaries; returns how many. */
  async summariseAll(classes: SchoolClass[], date: string, now = Date.now()): Promise<number> {
    await mapLimit(classes, CONCURRENCY, async (cls) => {
      const s = await this.summarise(cls, date, now);
      await this.#d.redis.hset(K.day(date), cls.id, JSON.stringify(s));
    });
    if (classes.length) await this.#d.redis.expire(K.day(date), KEEP_S);
    return classes.length;
  }

  /**
   * The background pass: today's summaries (lessons still running count what has begun), and
   * yesterday's once more after midnight (final). Safe on every instance: one at a time (lock).
   */
  async sweep(now = Date.now(), lockMs = 9 * 60_000): Promise<number> {
    const lock = await this.#d.redis.set(K.lock, String(process.pid), 'PX', lockMs, 'NX');
    if (!lock) return 0;
    try {
      const classes = await this.#d.store.listClasses();
      let n = await this.summariseAll(classes, this.today(now), now);
      const yesterday = this.today(now - 86_400_000);
      if (!(await this.#d.redis.exists(K.final(yesterday)))) {
        n += await this.summariseAll(classes, yesterday, now);
        await this.#d.redis.set(K.final(yesterday), '1', 'EX', KEEP_S);
      }
      return n;
    } finally {
      await this.#d.redis.del(K.lock);
    }
  }

  /** Runs the sweep soon after start, then every `everyMs`, until stopped. */
  start(onError: (err: unknown) => void, everyMs: number, firstAfterMs = 5_000): () => void {
    const run = () => void this.sweep(Date.now(), Math.max(everyMs - 1_000, 30_000)).catch(onError);
    const first = setTimeout(run, firstAfterMs);
    const timer = setInterval(run, everyMs);
    first.unref();
    timer.unref();
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }

  /** An admin asks for today's figures of their scope now (at most once every 30 s per scope). */
  async refresh(user: User, q: Pick<Query, 'school'>, now = Date.now()) {
    const schoolId = adminSchool(user, q.school, OWN_SCHOOL_ONLY);
    if (schoolId && !(await this.#d.store.getSchool(schoolId))) throw notFound(`School ${schoolId}`);
    const scope = schoolId ?? 'district';
    const ok = await this.#d.redis.set(K.refresh(scope), '1', 'PX', 30_000, 'NX');
    if (!ok) {
      const ms = await this.#d.redis.pttl(K.refresh(scope));
      throw rateLimited(
        'These figures were refreshed moments ago; try again in a few seconds.',
        ms / 1000,
        '刚刚已刷新过，请稍等几秒再试。',
      );
    }
    const classes = (await this.#d.store.listClasses()).filter((c) => !schoolId || c.schoolId === schoolId);
    const date = this.today(now);
    const t0 = performance.now();
    await this.summariseAll(classes, date, now);
    return { classes: classes.length, date, ms: Math.round(performance.now() - t0) };
  }

  /** The scope a query names, checked against what the user may see. */
  async #scope(user: User, q: Query): Promise<{ scope: Scope; parents: Scope[]; classes: SchoolClass[] }> {
    const district: Scope = {
      level: 'district',
      id: 'district',
      name: (await this.#d.store.getDistrict())?.name ?? '全区',
    };
    const all = await this.#d.store.listClasses();
    let asked = q.school;
    let grade = q.grade;
    if (q.class) {
      const cls = all.find((c) => c.id === q.class);
      if (!cls) throw notFound(`Class ${q.class}`);
      asked = cls.schoolId;
      grade = cls.grade;
    }
    const schoolId = adminSchool(user, asked, OWN_SCHOOL_ONLY);
    if (grade !== undefined && !schoolId)
      throw new AppError('VALIDATION_FAILED', 'A grade is supervised within a school: give school= too.');
    const parents: Scope[] = user.role === 'school_admin' ? [] : [district];
    if (!schoolId) return { scope: district, parents: [], classes: all };
    const school = await this.#d.store.getSchool(schoolId);
    if (!school) throw notFound(`School ${schoolId}`);
    const schoolScope: Scope = { level: 'school', id: school.id, name: school.name, school: school.id };
    const ofSchool = all.filter((c) => c.schoolId === school.id);
    if (grade === undefined) return { scope: schoolScope, parents, classes: ofSchool };
    const gradeScope: Scope = {
      level: 'grade',
      id: `${school.id}:${grade}`,
      name: `${school.name} ${gradeNameZh(grade)}`,
      school: school.id,
      grade,
    };
    const ofGrade = ofSchool.filter((c) => c.grade === grade);
    if (!q.class) return { scope: gradeScope, parents: [...parents, schoolScope], classes: ofGrade };
    const cls = ofGrade.find((c) => c.id === q.class)!;
    return {
      scope: {
        level: 'class',
        id: cls.id,
        name: `${school.name} ${cls.name}`,
        school: school.id,
        grade,
        class: cls.id,
      },
      parents: [...parents, schoolScope, gradeScope],
      classes: [cls],
    };
  }

  /** The figures of a scope over a range of days, each day's, and the scopes one level down. */
  async view(user: User, q: Query, now = Date.now()): Promise<View> {
    const today = this.today(now);
    const to = q.to ?? today;
    if (q.from && q.days)
      throw new AppError(
        'VALIDATION_FAILED',
        'Give either "from" or "days" (the days ending on "to"), not both.',
      );
    const from = q.from ?? shiftDate(to, 1 - (q.days ?? 1));
    const dates = datesOf(from, to);
    const { scope, parents, classes } = await this.#scope(user, q);
    const ids = classes.map((c) => c.id);
    // The district reads whole days; a school or less only its classes' fields.
    const m = this.#d.redis.multi();
    for (const date of dates) {
      if (scope.level === 'district') m.hgetall(K.day(date));
      else if (ids.length) m.hmget(K.day(date), ...ids);
    }
    const replies = ids.length || scope.level === 'district' ? ((await m.exec()) ?? []) : [];
    const byClass = new Map<string, ClassDay[]>(ids.map((id) => [id, []]));
    let computedAt: number | null = null;
    const days = dates.map((date, i) => {
      const reply = replies[i]?.[1];
      const pairs: [string, string | null][] =
        scope.level === 'district'
          ? Object.entries((reply as Record<string, string> | undefined) ?? {})
          : ids.map((id, j) => [id, ((reply as (string | null)[] | undefined) ?? [])[j] ?? null]);
      const f = emptyFigures();
      let summarised = false;
      for (const [id, raw] of pairs) {
        const list = byClass.get(id);
        if (!raw || !list) continue;
        const s = JSON.parse(raw) as ClassDay;
        summarised = true;
        list.push(s);
        add(f, [s]);
        computedAt = computedAt === null ? s.at : Math.min(computedAt, s.at);
      }
      return { date, summarised, figures: finish(f) };
    });
    const totals = emptyFigures();
    for (const list of byClass.values()) add(totals, list);

    const children: View['children'] = [];
    const group = (key: (c: SchoolClass) => string, scopeOf: (c: SchoolClass) => Scope) => {
      const groups = new Map<string, { scope: Scope; figures: Figures }>();
      for (const c of classes) {
        const k = key(c);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { scope: scopeOf(c), figures: emptyFigures() }));
        add(g.figures, byClass.get(c.id) ?? []);
      }
      for (const g of groups.values()) children.push({ ...g.scope, figures: finish(g.figures) });
    };
    if (scope.level === 'district') {
      const schools = new Map((await this.#d.store.listSchools()).map((s) => [s.id, s]));
      group(
        (c) => c.schoolId,
        (c) => ({
          level: 'school',
          id: c.schoolId,
          name: schools.get(c.schoolId)?.name ?? c.schoolId,
          school: c.schoolId,
        }),
      );
      children.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    } else if (scope.level === 'school') {
      group(
        (c) => String(c.grade),
        (c) => ({
          level: 'grade',
          id: `${c.schoolId}:${c.grade}`,
          name: gradeNameZh(c.grade),
          school: c.schoolId,
          grade: c.grade,
        }),
      );
      children.sort((a, b) => a.grade! - b.grade!);
    } else if (scope.level === 'grade') {
      group(
        (c) => c.id,
        (c) => ({ level: 'class', id: c.id, name: c.name, school: c.schoolId, grade: c.grade, class: c.id }),
      );
      children.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    }
    return { scope, parents, from, to, today, computedAt, totals: finish(totals), days, children };
  }

  /** The view as a spreadsheet: one row per scope one level down (per day for a class), then the total. */
  async csv(user: User, q: Query, now = Date.now()): Promise<{ name: string; body: string }> {
    const v = await this.view(user, q, now);
    const head = [
      v.scope.level === 'class' ? '日期' : '名称',
      '班级数',
      '学生数',
      '课节',
      '出勤',
      '部分观看',
      '缺勤',
      '出勤率%',
      '提问',
      '回答',
      '作业应交',
      '作业已交',
      '作业完成率%',
      '听课应到',
      '听课实到',
      '教师在岗率%',
    ];
    const row = (name: string, f: Figures) => [
      name,
      f.classes,
      f.students,
      f.lessons,
      f.present,
      f.partial,
      f.absent,
      f.attendancePct ?? '',
      f.questions,
      f.answers,
      f.homeworkDue,
      f.homeworkDone,
      f.homeworkPct ?? '',
      f.dutyCells,
      f.dutyListened,
      f.dutyPct ?? '',
    ];
    const rows =
      v.scope.level === 'class'
        ? v.days.map((d) => row(d.date, d.figures))
        : v.children.map((c) => row(c.name, c.figures));
    const body = toCsv([head, ...rows, row(`合计：${v.scope.name}`, v.totals)], { bom: true });
    const safe = v.scope.id.replace(/[^A-Za-z0-9_-]/g, '_');
    return { name: `supervision-${safe}-${v.from}-${v.to}.csv`, body };
  }
}
