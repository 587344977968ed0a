/**
 * Notices (通知) to parents: the class teacher posts one to the parents of
 * the class; Skyclass posts an absence notice to a child's parents once a
 * lesson the child missed is over. Parents read them in the app and
 * acknowledge; the class teacher sees who has not. Every notice also goes
 * out through the notification driver (server/notify/Notifier.ts: the
 * district's SMS/WeChat gateway), one delivery per parent.
 *
 * Redis: sc:notice:{id} (JSON, 180 days); sc:notices:class:{class} (class
 * notices by time); sc:notices:parent:{parent} (absence notices by time);
 * sc:notice:acks:{id} (parent → when); sc:notice:absent:{date}:{slot}:{student}
 * (the one notice per absence); sc:notice:absentday:{date}:{student} (the
 * day's absence notice of a child, which later absences join); sc:absence:done:{date}:{grade}:{slot} (a
 * lesson's absentees have been notified); sc:notices:posted:{class}:{date}.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, notFound } from '../errors.ts';
import { canManageStudents, canViewClass } from '../auth/policy.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import type { AttendanceReport } from '../presence/AttendanceReport.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { toAttendanceSlot } from '../presence/attendanceSlot.ts';
import { localDate } from '../timetable/epg.ts';
import type { Notifier, OutboundNotice } from '../notify/Notifier.ts';
import type { Family } from './Family.ts';
import type { Notice } from '../../contracts/family.ts';

const K = {
  notice: (id: string) => `sc:notice:${id}`,
  classNotices: (classId: string) => `sc:notices:class:${classId}`,
  parentNotices: (parentId: string) => `sc:notices:parent:${parentId}`,
  acks: (id: string) => `sc:notice:acks:${id}`,
  absent: (date: string, slotId: string, studentId: string) =>
    `sc:notice:absent:${date}:${slotId}:${studentId}`,
  absentDay: (date: string, studentId: string) => `sc:notice:absentday:${date}:${studentId}`,
  done: (date: string, grade: number, slotId: string) => `sc:absence:done:${date}:${grade}:${slotId}`,
  posted: (classId: string, date: string) => `sc:notices:posted:${classId}:${date}`,
  sweepLock: 'sc:absence:sweep',
};

/** Notices are kept this long. */
export const NOTICE_TTL_DAYS = 180;
/** Notices a class may post per day (a broadcast reaches every family: a slip should not become a flood). */
export const NOTICES_PER_CLASS_PER_DAY = 10;
/** Notices kept in a class's (or a parent's) list. */
const LIST_LIMIT = 200;
/** A lesson that ended longer ago than this is not swept any more (a restart after a long outage sends no stale notices). */
const SWEEP_WINDOW_MS = 6 * 3600_000;

export interface NoticesDeps {
  redis: Redis;
  store: DistrictStore;
  family: Family;
  attendance: AttendanceReport;
  timetable: TimetableStore;
  grades: () => Promise<Set<number>>;
  notifier: Notifier;
  timeZone: string;
  /** The web app's address, for links in deliveries. */
  publicBaseUrl: () => string;
  /** How long after a lesson's end absences are notified. */
  absenceAfterMs: number;
}

/** Absence notices also keep their recipients and the lessons missed that day (one line each). */
type StoredNotice = Notice & { parentIds?: string[]; missed?: string[] };

const hhmm = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    ms,
  );

export class Notices {
  readonly #d: NoticesDeps;

  constructor(d: NoticesDeps) {
    this.#d = d;
  }

  #public(n: StoredNotice): Notice {
    const { parentIds: _p, missed: _m, ...rest } = n;
    return rest;
  }

  async #get(id: string): Promise<StoredNotice | undefined> {
    const raw = await this.#d.redis.get(K.notice(id));
    return raw ? (JSON.parse(raw) as StoredNotice) : undefined;
  }

  async #many(ids: string[]): Promise<StoredNotice[]> {
    if (ids.length === 0) return [];
    const raws = await this.#d.redis.mget(...ids.map(K.notice));
    return raws.filter((r): r is string => !!r).map((r) => JSON.parse(r) as StoredNotice);
  }

  /** Writes a notice once and puts it on each list (a class's, or each parent's), in one MULTI. */
  async #store(n: StoredNotice, lists: string[]): Promise<void> {
    const at = Date.parse(n.createdAt);
    const m = this.#d.redis.multi().set(K.notice(n.id), JSON.stringify(n), 'EX', NOTICE_TTL_DAYS * 86400);
    for (const list of lists)
      m.zadd(list, at, n.id)
        .zremrangebyrank(list, 0, -LIST_LIMIT - 1)
        .zremrangebyscore(list, 0, Date.now() - NOTICE_TTL_DAYS * 86400_000)
        .expire(list, NOTICE_TTL_DAYS * 86400);
    await m.exec();
  }

  #outbound(n: StoredNotice, parents: User[], child?: { id: string; displayName: string }): OutboundNotice[] {
    // An absence notice grows through the day: each absence is its own delivery.
    const round = n.missed && n.missed.length > 1 ? `-${n.missed.length}` : '';
    return parents.map((p) => ({
      deliveryId: `${n.id}-${p.id}${round}`,
      noticeId: n.id,
      kind: n.kind,
      to: {
        parentId: p.id,
        username: p.username,
        displayName: p.displayName,
        ...(p.phone ? { phone: p.phone } : {}),
      },
      ...(child ? { child } : {}),
      className: n.className,
      title: n.title,
      body: n.body,
      link: `${this.#d.publicBaseUrl()}/#/family`,
      createdAt: n.createdAt,
    }));
  }

  // ---- class notices

  /** The class teacher (or an admin of the school) posts a notice to every parent of the class. */
  async post(user: User, classId: string, body: { title: string; body: string }): Promise<Notice> {
    const cls = await this.#d.store.requireClass(classId);
    if (!canManageStudents(user, cls))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        `Only the class teacher of ${cls.name} (or an administrator of its school) posts notices to its parents.`,
      );
    const today = localDate(this.#d.timeZone);
    const posted = K.posted(cls.id, today);
    const count = await this.#d.redis.incr(posted);
    await this.#d.redis.expire(posted, 2 * 86400);
    if (count > NOTICES_PER_CLASS_PER_DAY) {
      await this.#d.redis.decr(posted);
      throw new AppError(
        'RATE_LIMITED',
        `${cls.name} has posted ${NOTICES_PER_CLASS_PER_DAY} notices today, the most a class may send in a day. Put further news into one notice tomorrow.`,
      );
    }
    const n: StoredNotice = {
      id: `ntc_${crypto.randomBytes(8).toString('hex')}`,
      kind: 'class',
      classId: cls.id,
      className: cls.name,
      title: body.title,
      body: body.body,
      authorName: user.displayName,
      createdAt: new Date().toISOString(),
    };
    await this.#store(n, [K.classNotices(cls.id)]);
    const parents = await this.#parentsOfClass(cls);
    await this.#d.notifier.notify(this.#outbound(n, [...new Set(parents.map((p) => p.parent))]));
    return this.#public(n);
  }

  /** Every parent of the class with their child. */
  async #parentsOfClass(cls: SchoolClass): Promise<{ parent: User; child: User }[]> {
    const students = await this.#d.store.listStudents(cls.id);
    const links = await this.#d.family.parentsOf(students.map((s) => s.id));
    const parents = new Map(
      (await this.#d.store.getUsers([...new Set([...links.values()].flat())])).map((p) => [p.id, p]),
    );
    return students.flatMap((child) =>
      (links.get(child.id) ?? [])
        .map((id) => parents.get(id))
        .filter((p): p is User => !!p && !p.disabled)
        .map((parent) => ({ parent, child })),
    );
  }

  /** The class's notices as its teachers see them: how many parents read each, and who has not. */
  async classNotices(user: User, classId: string) {
    const cls = await this.#d.store.requireClass(classId);
    if (!canViewClass(user, cls) || user.role === 'student' || user.role === 'lead_teacher')
      throw new AppError(
        'FORBIDDEN_SCOPE',
        `Only the teachers of ${cls.name} and its school see its notices.`,
      );
    const ids = await this.#d.redis.zrevrange(K.classNotices(cls.id), 0, 49);
    const notices = await this.#many(ids);
    const families = await this.#parentsOfClass(cls);
    const parentIds = new Set(families.map((f) => f.parent.id));
    const out = [];
    for (const n of notices) {
      const acks = await this.#d.redis.hgetall(K.acks(n.id));
      const waiting = families
        .filter((f) => !acks[f.parent.id])
        .map((f) => ({ parentName: f.parent.displayName, childName: f.child.displayName }));
      out.push({
        ...this.#public(n),
        acknowledged: Object.keys(acks).filter((id) => parentIds.has(id)).length,
        waiting,
      });
    }
    return { parents: parentIds.size, notices: out };
  }

  // ---- a parent's notices

  /** The parent's notices: their children's classes' notices and their own absence notices, newest first. */
  async mine(parent: User) {
    if (parent.role !== 'parent') throw new AppError('FORBIDDEN_ROLE', 'Only parents receive notices.');
    const classIds = await this.#d.family.classIdsOf(parent);
    const lists = await Promise.all([
      ...classIds.map((c) => this.#d.redis.zrevrange(K.classNotices(c), 0, 49)),
      this.#d.redis.zrevrange(K.parentNotices(parent.id), 0, 49),
    ]);
    const notices = (await this.#many([...new Set(lists.flat())]))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, 50);
    const p = this.#d.redis.pipeline();
    for (const n of notices) p.hget(K.acks(n.id), parent.id);
    const acks = ((await p.exec()) ?? []).map((r) => r[1] as string | null);
    const list = notices.map((n, i) => ({
      ...this.#public(n),
      ...(acks[i] ? { acknowledgedAt: acks[i] } : {}),
    }));
    return { notices: list, unread: list.filter((n) => !n.acknowledgedAt).length };
  }

  /** A parent has read a notice. Only notices they were sent. */
  async acknowledge(parent: User, id: string) {
    if (parent.role !== 'parent') throw new AppError('FORBIDDEN_ROLE', 'Only parents acknowledge notices.');
    const n = await this.#get(id);
    if (!n) throw notFound(`Notice ${id}`);
    const theirs =
      n.kind === 'absence'
        ? !!n.parentIds?.includes(parent.id)
        : (await this.#d.family.classIdsOf(parent)).includes(n.classId);
    if (!theirs) throw notFound(`Notice ${id}`);
    const at = new Date().toISOString();
    await this.#d.redis.hsetnx(K.acks(id), parent.id, at);
    await this.#d.redis.expire(K.acks(id), NOTICE_TTL_DAYS * 86400);
    return { id, acknowledgedAt: (await this.#d.redis.hget(K.acks(id), parent.id)) ?? at };
  }

  // ---- absence notices

  /**
   * Once a lesson has been over for `absenceAfterMs`, each child who missed
   * it (no watching, no TV check-in, no teacher's mark) gets one notice to
   * each linked parent. Safe to run on every instance: a lesson is swept by
   * one at a time and each absence is notified once (SET NX).
   */
  async sweepAbsences(now = Date.now()): Promise<number> {
    const lock = await this.#d.redis.set(K.sweepLock, String(process.pid), 'PX', 55_000, 'NX');
    if (!lock) return 0;
    try {
      let sent = 0;
      const date = localDate(this.#d.timeZone, now);
      const classes = await this.#d.store.listClasses();
      for (const grade of await this.#d.grades()) {
        const slots = (await this.#d.timetable.day(grade, date)).map((s) =>
          toAttendanceSlot(s, grade, this.#d.timeZone),
        );
        for (const slot of slots) {
          const due = slot.end + this.#d.absenceAfterMs;
          if (now < due || now > due + SWEEP_WINDOW_MS) continue;
          if (await this.#d.redis.exists(K.done(date, grade, slot.slotId))) continue;
          for (const cls of classes.filter((c) => c.grade === grade))
            sent += await this.#notifyAbsences(cls, date, slot.slotId, now);
          await this.#d.redis.set(K.done(date, grade, slot.slotId), '1', 'EX', 3 * 86400);
        }
      }
      return sent;
    } finally {
      await this.#d.redis.del(K.sweepLock);
    }
  }

  async #notifyAbsences(cls: SchoolClass, date: string, slotId: string, now: number): Promise<number> {
    const families = await this.#parentsOfClass(cls);
    if (families.length === 0) return 0;
    const children = [...new Map(families.map((f) => [f.child.id, f.child])).values()];
    const { slots, rows } = await this.#d.attendance.rowsOf(cls, children, date, now);
    const i = slots.findIndex((s) => s.slotId === slotId);
    if (i < 0) return 0;
    const slot = slots[i]!;
    const teacher = cls.classTeacherId ? await this.#d.store.getUser(cls.classTeacherId) : undefined;
    let sent = 0;
    for (const row of rows) {
      if (row.slots[i]!.status !== 'absent') continue;
      const first = await this.#d.redis.set(K.absent(date, slotId, row.id), '1', 'EX', 7 * 86400, 'NX');
      if (!first) continue;
      const parents = families.filter((f) => f.child.id === row.id).map((f) => f.parent);
      // One notice per child and day: a later absence the same day is added to it (and shows as unread
      // again), so a parent reads one list, not a stream of messages.
      const dayKey = K.absentDay(date, row.id);
      const earlierId = await this.#d.redis.get(dayKey);
      const earlier = earlierId ? await this.#get(earlierId) : undefined;
      const missed = [
        ...(earlier?.missed ?? []),
        `${hhmm(slot.start, this.#d.timeZone)}–${hhmm(slot.end, this.#d.timeZone)}《${slot.title}》`,
      ];
      const teacherName = teacher ? ` ${teacher.displayName}` : '';
      const n: StoredNotice = {
        id: earlier?.id ?? `ntc_${crypto.randomBytes(8).toString('hex')}`,
        kind: 'absence',
        classId: cls.id,
        className: cls.name,
        title:
          missed.length === 1
            ? `缺课提醒：${row.displayName}没有上《${slot.title}》`
            : `缺课提醒：${row.displayName}今天有 ${missed.length} 节课没有上`,
        body:
          `${row.displayName}（${cls.name}）${date} 这${missed.length === 1 ? '节' : '些'}课没有观看记录，也没有电视签到：\n` +
          missed.map((m) => `· ${m}`).join('\n') +
          `\n如果孩子是在电视上看的，请在上课时用“电视签到”输入频道上的签到码；如果孩子请假或生病，请告诉班主任${teacherName}。` +
          '错过的课可以在“回看”里补看。',
        authorName: 'Skyclass',
        createdAt: new Date(now).toISOString(),
        studentId: row.id,
        studentName: row.displayName,
        date,
        slotId: earlier?.slotId ?? slotId,
        parentIds: [...new Set([...(earlier?.parentIds ?? []), ...parents.map((p) => p.id)])],
        missed,
      };
      await this.#d.redis.set(dayKey, n.id, 'EX', 2 * 86400);
      if (earlier) await this.#d.redis.hdel(K.acks(n.id), ...parents.map((p) => p.id));
      await this.#store(
        n,
        parents.map((p) => K.parentNotices(p.id)),
      );
      await this.#d.notifier.notify(this.#outbound(n, parents, { id: row.id, displayName: row.displayName }));
      sent += parents.length;
    }
    return sent;
  }

  /** Runs the sweep every minute until stopped. */
  start(onError: (err: unknown) => void, everyMs = 60_000): () => void {
    const timer = setInterval(() => void this.sweepAbsences().catch(onError), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
