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
import { localDate } from '../timetable/epg.ts';

type PresenceState = 'watching' | 'left' | 'not_joined';

export interface AttendanceReportDeps {
  store: DistrictStore;
  presence: PresenceStore;
  timetable: TimetableStore;
  rules: AttendanceRules;
  timeZone: string;
}

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

  /** Every student × every lesson of the day, and who missed what. */
  async day(cls: SchoolClass, date = localDate(this.#d.timeZone), now = Date.now()) {
    const [students, slots] = await Promise.all([this.#d.store.listStudents(cls.id), this.#slots(cls, date)]);
    const rows = await Promise.all(
      students.map(async (st) => {
        const sessions = await this.#d.presence.sessions(st.id, date);
        return {
          id: st.id,
          username: st.username,
          displayName: st.displayName,
          slots: slots.map((sl) => attendanceFor(sl, sessions, now, this.#d.rules)),
        };
      }),
    );
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
      ['日期', '学号', '姓名', '课程', '开始', '加入时间', '观看分钟', '观看比例%', '迟到', '回看', '状态'],
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
        ]);
      });
    return toCsv(rows, { bom: true });
  }

  /** Seven days ending `to`: lessons, present/partial/absent cells and the present share per day. */
  async week(cls: SchoolClass, to = localDate(this.#d.timeZone)) {
    const end = Date.parse(`${to}T12:00:00Z`);
    const days = [];
    for (let i = 6; i >= 0; i--) {
      const date = new Date(end - i * 86_400_000).toISOString().slice(0, 10);
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
