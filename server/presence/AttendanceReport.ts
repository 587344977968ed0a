/**
 * The class attendance use case (the co-teacher's dashboard): per lesson of a
 * day from heartbeats (attendance.ts), the absentees, the same as a
 * spreadsheet (CSV with BOM, formula-safe), and the week for the chart. The
 * HTTP routes only parse, authorise and call these.
 */
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass } from '../district/model.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { toCsv } from '../csv.ts';
import {
  attendanceFor,
  type AttendanceRules,
  type AttendanceSlot,
  type SlotAttendance,
} from './attendance.ts';
import { toAttendanceSlot } from './attendanceSlot.ts';
import type { PresenceStore } from './PresenceStore.ts';
import { dayCount, datesFrom, localDate, shiftDate } from '../timetable/epg.ts';
import { AppError } from '../errors.ts';
import type { User } from '../district/model.ts';
import type { AuditLog } from '../privacy/AuditLog.ts';
import {
  checkInCode,
  sameCode,
  type AttendanceMarks,
  type ManualMark,
  type MarkReason,
} from './AttendanceMarks.ts';

type PresenceState = 'watching' | 'left' | 'not_joined';

export interface AttendanceReportDeps {
  store: DistrictStore;
  presence: PresenceStore;
  timetable: TimetableStore;
  rules: AttendanceRules;
  timeZone: string;
  /** TV check-ins and co-teachers' marks. */
  marks: AttendanceMarks;
  /** Derives the slots' TV check-in codes (from the district secret). */
  checkInKey: string;
  audit?: AuditLog;
}

/** Where a cell's status came from: heartbeats, a TV check-in, or a co-teacher's mark. */
export type AttendanceSource = 'auto' | 'tv' | 'manual';

/** A check-in is accepted from a little before the lesson (the slate shows the code) to its end. */
export const CHECK_IN_EARLY_MS = 5 * 60_000;

const REASON_ZH: Record<MarkReason, string> = {
  tv: '电视收看',
  ill: '生病',
  no_device: '没有设备',
  leave: '请假',
  other: '其他',
};
const SOURCE_ZH: Record<AttendanceSource, string> = { auto: '自动', tv: '电视签到', manual: '教师标记' };

const STATUS_ZH: Record<SlotAttendance['status'], string> = {
  present: '出勤',
  partial: '部分观看',
  absent: '缺勤',
  upcoming: '未开始',
};

export class AttendanceReport {
  readonly #d: AttendanceReportDeps;

  constructor(d: AttendanceReportDeps) {
    this.#d = d;
  }

  async #slots(cls: SchoolClass, date: string): Promise<AttendanceSlot[]> {
    return (await this.#d.timetable.day(cls.grade, date)).map((s) =>
      toAttendanceSlot(s, cls.grade, this.#d.timeZone),
    );
  }

  /** The district's local date now. */
  today(): string {
    return localDate(this.#d.timeZone);
  }

  /** Who of the class is watching now, what and since when; who left; who has not joined today. */
  async now(cls: SchoolClass) {
    const students = await this.#d.store.listStudents(cls.id);
    const ids = students.map((s) => s.id);
    const [now, seen] = await Promise.all([
      this.#d.presence.current(ids),
      this.#d.presence.seenOn(ids, localDate(this.#d.timeZone)),
    ]);
    return {
      classId: cls.id,
      className: cls.name,
      students: students.map((s, i) => {
        const viewings = now.get(s.id) ?? [];
        const state: PresenceState = viewings.length ? 'watching' : seen[i] ? 'left' : 'not_joined';
        return { id: s.id, username: s.username, displayName: s.displayName, state, viewings };
      }),
    };
  }

  /** Some students of a class × every lesson of the day (a child for their parents, the absentees' sweep). */
  async rowsOf(
    cls: SchoolClass,
    students: Pick<User, 'id' | 'username' | 'displayName'>[],
    date = localDate(this.#d.timeZone),
    now = Date.now(),
  ) {
    const [slots, marks, tv] = await Promise.all([
      this.#slots(cls, date),
      this.#d.marks.marks(cls.id, date),
      this.#d.marks.checkIns(
        students.map((s) => s.id),
        date,
      ),
    ]);
    const rows = await Promise.all(
      students.map(async (st) => {
        const sessions = await this.#d.presence.sessions(st.id, date);
        return {
          id: st.id,
          username: st.username,
          displayName: st.displayName,
          slots: slots.map((sl) =>
            withMarks(
              attendanceFor(sl, sessions, now, this.#d.rules),
              tv.get(st.id)?.get(sl.slotId),
              marks.get(`${sl.slotId}|${st.id}`),
            ),
          ),
        };
      }),
    );
    return { slots, rows };
  }

  /** Every student × every lesson of the day, and who missed what. */
  async day(cls: SchoolClass, date = localDate(this.#d.timeZone), now = Date.now()) {
    const students = await this.#d.store.listStudents(cls.id);
    const { slots, rows } = await this.rowsOf(cls, students, date, now);
    const absentees = rows
      .map((row) => ({
        id: row.id,
        displayName: row.displayName,
        username: row.username,
        missed: row.slots
          .filter((a) => a.status === 'absent')
          .map((a) => slots.find((s) => s.slotId === a.slotId)!.title),
      }))
      .filter((a) => a.missed.length > 0);
    return { date, timeZone: this.#d.timeZone, slots, students: rows, absentees };
  }

  /**
   * Teachers on duty (同步听课): for each lesson of the class's day, whether each co-teacher of the
   * class listened along (watched it as students do: present, partial or absent), from their players.
   */
  async duty(cls: SchoolClass, date = localDate(this.#d.timeZone), now = Date.now()) {
    const teachers = (await this.#d.store.listClassTeachers(cls.id)).filter((t) => t.role === 'co_teacher');
    const { slots, rows } = await this.rowsOf(cls, teachers, date, now);
    return {
      classId: cls.id,
      className: cls.name,
      date,
      slots,
      teachers: rows.map((r) => ({
        id: r.id,
        displayName: r.displayName,
        slots: r.slots.map((a) => ({ slotId: a.slotId, status: a.status, percent: a.percent })),
      })),
    };
  }

  /** The day as a spreadsheet (Chinese headers, BOM so Excel shows them). */
  async dayCsv(cls: SchoolClass, date = localDate(this.#d.timeZone)): Promise<string> {
    const report = await this.day(cls, date);
    const time = (ms?: number) =>
      ms === undefined
        ? ''
        : new Intl.DateTimeFormat('en-GB', {
            timeZone: this.#d.timeZone,
            hour: '2-digit',
            minute: '2-digit',
            hourCycle: 'h23',
          }).format(ms);
    const rows: (string | number)[][] = [
      [
        '日期',
        '学号',
        '姓名',
        '课程',
        '开始',
        '加入时间',
        '观看分钟',
        '观看比例%',
        '迟到',
        '回看',
        '状态',
        '来源',
        '原因',
        '备注',
        '标记人',
      ],
    ];
    for (const row of report.students)
      row.slots.forEach((a, i) => {
        const sl = report.slots[i]!;
        rows.push([
          date,
          row.username,
          row.displayName,
          sl.title,
          time(sl.start),
          time(a.joinedAt),
          Math.round(a.watchedSec / 60),
          a.percent,
          a.late ? '是' : '',
          a.replay ? '是' : '',
          STATUS_ZH[a.status],
          SOURCE_ZH[a.source],
          a.reason ? REASON_ZH[a.reason] : '',
          a.note ?? '',
          a.markedBy ?? '',
        ]);
      });
    return toCsv(rows, { bom: true });
  }

  /** The TV check-in code of a slot of a grade's day. */
  codeOf(grade: number, date: string, slotId: string): string {
    return checkInCode(this.#d.checkInKey, grade, date, slotId);
  }

  /** A child (on the family TV) enters the code the channel shows: counted present via TV for the lesson on now. */
  async checkIn(user: User, code: string, now = Date.now()) {
    const classId = user.classIds?.[0];
    if (user.role !== 'student' || !classId)
      throw new AppError('FORBIDDEN_ROLE', 'Only students check in with a TV code.');
    const cls = await this.#d.store.requireClass(classId);
    const date = localDate(this.#d.timeZone, now);
    const slot = (await this.#slots(cls, date)).find(
      (s) => now >= s.start - CHECK_IN_EARLY_MS && now <= s.end,
    );
    if (!slot)
      throw new AppError(
        'CONFLICT',
        'No lesson of your grade is on air now: enter the code while the lesson is on.',
        undefined,
        { messageZh: '现在没有你们年级的课在播出：请在上课时输入电视上的签到码。' },
      );
    if (!sameCode(code.trim(), this.codeOf(cls.grade, date, slot.slotId))) {
      const { allowed, retryAfterSec } = await this.#d.marks.wrongCode(user.id);
      if (!allowed) {
        const e = new AppError(
          'RATE_LIMITED',
          `Too many wrong codes. Try again in ${Math.ceil(retryAfterSec / 60)} min, or ask your teacher to mark you.`,
          undefined,
          {
            messageZh: `签到码错了太多次，请 ${Math.ceil(retryAfterSec / 60)} 分钟后再试，或请老师帮你登记。`,
          },
        );
        e.retryAfterSec = retryAfterSec;
        throw e;
      }
      const left = await this.#d.marks.wrongCodesLeft(user.id);
      throw new AppError(
        'VALIDATION_FAILED',
        `That is not the code of “${slot.title}”. Look at the channel again (${left} tries left).`,
        undefined,
        { messageZh: `这不是《${slot.title}》的签到码，请再看一下电视（还可以试 ${left} 次）。` },
      );
    }
    await this.#d.marks.checkIn(user.id, date, slot.slotId, now);
    return { slotId: slot.slotId, title: slot.title, date, at: new Date(now).toISOString() };
  }

  /** A co-teacher marks (or corrects) a child's attendance of one lesson, with the reason; audited. */
  async mark(
    user: User,
    cls: SchoolClass,
    m: {
      date: string;
      slotId: string;
      studentId: string;
      status: 'present' | 'absent';
      reason: MarkReason;
      note?: string;
    },
  ) {
    if (user.role !== 'co_teacher' || !user.classIds?.includes(cls.id))
      throw new AppError('FORBIDDEN_SCOPE', `Only the co-teachers of ${cls.name} mark its attendance.`);
    const report = await this.day(cls, m.date);
    const row = report.students.find((s) => s.id === m.studentId);
    const i = report.slots.findIndex((s) => s.slotId === m.slotId);
    if (!row) throw new AppError('VALIDATION_FAILED', `Student ${m.studentId} is not in ${cls.name}.`);
    if (i < 0)
      throw new AppError('VALIDATION_FAILED', `There is no lesson ${m.slotId} on ${m.date} for ${cls.name}.`);
    if (report.slots[i]!.start > Date.now())
      throw new AppError(
        'VALIDATION_FAILED',
        'This lesson has not started yet: mark attendance once it is on.',
      );
    const before = row.slots[i]!;
    const mark: ManualMark = {
      status: m.status,
      reason: m.reason,
      ...(m.note ? { note: m.note } : {}),
      by: user.id,
      byName: user.displayName,
      at: new Date().toISOString(),
    };
    await this.#d.marks.setMark(cls.id, m.date, m.slotId, m.studentId, mark, {
      ...mark,
      date: m.date,
      slotId: m.slotId,
      studentId: m.studentId,
      studentName: row.displayName,
      was: `${before.status}/${before.source}`,
    });
    const student = await this.#d.store.getUser(m.studentId);
    if (student)
      await this.#d.audit?.record(
        user,
        'attendance.mark',
        student,
        `${m.date} ${report.slots[i]!.title}: ${before.status} → ${m.status} (${m.reason}${m.note ? `: ${m.note}` : ''})`,
      );
    return { ...before, ...withMarks(before, undefined, mark) };
  }

  corrections(cls: SchoolClass) {
    return this.#d.marks.corrections(cls.id);
  }

  /** A term (at most 200 days) per student, for the export and the chart per student. */
  async term(cls: SchoolClass, from: string, to: string) {
    const n = dayCount(from, to);
    if (!(n >= 1 && n <= 200))
      throw new AppError('VALIDATION_FAILED', 'Choose a term of 1 to 200 days (from is before to).');
    const students = new Map<
      string,
      {
        id: string;
        username: string;
        displayName: string;
        lessons: number;
        present: number;
        partial: number;
        absent: number;
        viaTv: number;
        marked: number;
        percent: number | null;
        days: { date: string; lessons: number; present: number }[];
      }
    >();
    for (const date of datesFrom(from, n)) {
      const rep = await this.day(cls, date);
      if (!rep.slots.length) continue;
      for (const row of rep.students) {
        let s = students.get(row.id);
        if (!s) {
          s = {
            id: row.id,
            username: row.username,
            displayName: row.displayName,
            lessons: 0,
            present: 0,
            partial: 0,
            absent: 0,
            viaTv: 0,
            marked: 0,
            percent: null,
            days: [],
          };
          students.set(row.id, s);
        }
        const cells = row.slots.filter((a) => a.status !== 'upcoming');
        const present = cells.filter((a) => a.status === 'present').length;
        s.lessons += cells.length;
        s.present += present;
        s.partial += cells.filter((a) => a.status === 'partial').length;
        s.absent += cells.filter((a) => a.status === 'absent').length;
        s.viaTv += cells.filter((a) => a.source === 'tv').length;
        s.marked += cells.filter((a) => a.source === 'manual').length;
        s.days.push({ date, lessons: cells.length, present });
      }
    }
    for (const s of students.values())
      s.percent = s.lessons ? Math.round((s.present / s.lessons) * 100) : null;
    return { classId: cls.id, from, to, students: [...students.values()] };
  }

  async termCsv(cls: SchoolClass, from: string, to: string): Promise<string> {
    const t = await this.term(cls, from, to);
    const rows: (string | number)[][] = [
      ['学号', '姓名', '课节', '出勤', '部分观看', '缺勤', '其中电视签到', '其中教师标记', '出勤率%'],
      ...t.students.map((s) => [
        s.username,
        s.displayName,
        s.lessons,
        s.present,
        s.partial,
        s.absent,
        s.viaTv,
        s.marked,
        s.percent ?? '',
      ]),
    ];
    return toCsv(rows, { bom: true });
  }

  /** Seven days ending `to`: lessons, present/partial/absent cells and the present share per day. */
  async week(cls: SchoolClass, to = localDate(this.#d.timeZone)) {
    const days = [];
    for (const date of datesFrom(shiftDate(to, -6), 7)) {
      const rep = await this.day(cls, date);
      const cells = rep.students.flatMap((s) => s.slots).filter((a) => a.status !== 'upcoming');
      const present = cells.filter((a) => a.status === 'present').length;
      days.push({
        date,
        lessons: rep.slots.length,
        present,
        partial: cells.filter((a) => a.status === 'partial').length,
        absent: cells.filter((a) => a.status === 'absent').length,
        percent: cells.length ? Math.round((present / cells.length) * 100) : null,
      });
    }
    return { classId: cls.id, days };
  }
}

/** A cell with its TV check-in and its co-teacher's mark applied (a mark wins over everything). */
export function withMarks(
  a: SlotAttendance,
  checkedInAt: number | undefined,
  mark: ManualMark | undefined,
): SlotAttendance & {
  source: AttendanceSource;
  reason?: MarkReason;
  note?: string;
  markedBy?: string;
  checkedInAt?: number;
} {
  if (mark)
    return {
      ...a,
      status: mark.status,
      source: 'manual',
      reason: mark.reason,
      ...(mark.note ? { note: mark.note } : {}),
      markedBy: mark.byName,
      ...(checkedInAt !== undefined ? { checkedInAt } : {}),
    };
  if (checkedInAt !== undefined && a.status !== 'present')
    return {
      ...a,
      status: 'present',
      source: 'tv',
      checkedInAt,
      devices: [...new Set([...a.devices, 'tv'])],
    };
  return { ...a, source: 'auto', ...(checkedInAt !== undefined ? { checkedInAt } : {}) };
}
