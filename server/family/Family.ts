/**
 * Parents and their children. A parent account is linked to one or more
 * students, either by the class teacher (an account made beside the roster)
 * or by the parent with an invitation code the class teacher printed. A
 * parent reaches a child's day, homework and feedback only through a link:
 * every read names the child and is checked against the parent's links, and
 * the answer for another family's child is the same as for no child at all.
 *
 * Redis: sc:fam:kids:{parent} and sc:fam:parents:{student} (sets, both
 * directions of a link); sc:fam:invite:{CODE} (the code's student, expiry
 * and uses); sc:fam:invites:{class} (student → code, for reprinting);
 * sc:fam:badcode:{ip} (wrong codes).
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import { canManageStudents } from '../auth/policy.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import type { AttendanceReport } from '../presence/AttendanceReport.ts';
import type { Homework } from '../homework/Homework.ts';
import type { ClassTimetable } from '../timetable/ClassTimetable.ts';
import { localDate } from '../timetable/epg.ts';
import { INVITE_USES } from '../../contracts/family.ts';

const K = {
  kids: (parentId: string) => `sc:fam:kids:${parentId}`,
  parents: (studentId: string) => `sc:fam:parents:${studentId}`,
  invite: (code: string) => `sc:fam:invite:${code}`,
  classInvites: (classId: string) => `sc:fam:invites:${classId}`,
  badCode: (ip: string) => `sc:fam:badcode:${ip}`,
};

/** How long a printed invitation code works. */
export const INVITE_TTL_DAYS = 30;
/** Wrong invitation codes one address may try per 10 minutes. */
export const WRONG_INVITES_ALLOWED = 10;
/** A child has at most this many parent accounts. */
export const MAX_PARENTS_PER_CHILD = 4;
/** A parent account follows at most this many children. */
export const MAX_CHILDREN = 6;

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** An 8-character code in two groups (K7QD-3MPX): 40 random bits, nothing that reads as 0/O or 1/I. */
export function newInviteCode(): string {
  const bytes = crypto.randomBytes(8);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}
const normalCode = (code: string) => {
  const c = code.trim().toUpperCase().replace('-', '');
  return `${c.slice(0, 4)}-${c.slice(4)}`;
};

/** Both directions of a parent's link to a child (the checks are the caller's). */
export async function linkParent(redis: Redis, parentId: string, studentId: string): Promise<void> {
  await redis.multi().sadd(K.kids(parentId), studentId).sadd(K.parents(studentId), parentId).exec();
}

interface InviteRecord {
  studentId: string;
  classId: string;
  expiresAt: string;
  used: number;
}

export interface FamilyDeps {
  redis: Redis;
  store: DistrictStore;
  attendance: AttendanceReport;
  homework: Homework;
  /** The class's merged week (grade lessons and class activities). */
  classTimetable: Pick<ClassTimetable, 'weekOf'>;
  /** Hashes a new account's password (the bounded worker pool). */
  hashPassword: (pw: string) => Promise<string>;
  generatePassword: () => string;
  timeZone: string;
}

const notYours = () =>
  new AppError('FORBIDDEN_SCOPE', 'You can only see your own children.', undefined, {
    messageZh: '只能查看自己孩子的信息。',
  });

export class Family {
  readonly #d: FamilyDeps;

  constructor(d: FamilyDeps) {
    this.#d = d;
  }

  // ---- what a parent sees

  async childIds(parentId: string): Promise<string[]> {
    return this.#d.redis.smembers(K.kids(parentId));
  }

  /** Each student's parent ids (for notices). */
  async parentsOf(studentIds: string[]): Promise<Map<string, string[]>> {
    if (studentIds.length === 0) return new Map();
    const p = this.#d.redis.pipeline();
    for (const id of studentIds) p.smembers(K.parents(id));
    const res = (await p.exec()) ?? [];
    return new Map(studentIds.map((id, i) => [id, (res[i]?.[1] as string[] | undefined) ?? []]));
  }

  async children(parent: User) {
    this.#requireParent(parent);
    const ids = await this.childIds(parent.id);
    const out = [];
    for (const id of ids) {
      const child = await this.#d.store.getUser(id);
      const cls = child?.classIds?.[0] ? await this.#d.store.getClass(child.classIds[0]) : undefined;
      if (!child || !cls) continue;
      const school = await this.#d.store.getSchool(cls.schoolId);
      out.push({
        id: child.id,
        username: child.username,
        displayName: child.displayName,
        classId: cls.id,
        className: cls.name,
        grade: cls.grade,
        ...(school ? { schoolName: school.name } : {}),
      });
    }
    return { children: out.sort((a, b) => a.username.localeCompare(b.username)) };
  }

  #requireParent(user: User): void {
    if (user.role !== 'parent') throw new AppError('FORBIDDEN_ROLE', 'Only parents have children here.');
  }

  /** The child and their class, if the parent is linked to them; the same refusal otherwise. */
  async requireChild(parent: User, childId: string): Promise<{ child: User; cls: SchoolClass }> {
    this.#requireParent(parent);
    if (!(await this.#d.redis.sismember(K.kids(parent.id), childId))) throw notYours();
    const child = await this.#d.store.getUser(childId);
    const cls = child?.classIds?.[0] ? await this.#d.store.getClass(child.classIds[0]) : undefined;
    if (!child || !cls) throw notYours();
    return { child, cls };
  }

  /** The child's lessons of a day with how the child attended each. */
  async childDay(parent: User, childId: string, date = localDate(this.#d.timeZone)) {
    const { child, cls } = await this.requireChild(parent, childId);
    const { slots, rows } = await this.#d.attendance.rowsOf(cls, [child], date);
    const row = rows[0]!;
    return {
      date,
      timeZone: this.#d.timeZone,
      slots: slots.map((s, i) => ({ ...s, attendance: row.slots[i]! })),
    };
  }

  /** The child's week: the grade's lessons and the class's activities. */
  async childWeek(parent: User, childId: string, from?: string) {
    const { cls } = await this.requireChild(parent, childId);
    return this.#d.classTimetable.weekOf(cls, from);
  }

  async childHomework(parent: User, childId: string) {
    const { child } = await this.requireChild(parent, childId);
    return this.#d.homework.mine(child);
  }

  /** The family's TV is on: the parent enters the channel's code for their child. */
  async checkIn(parent: User, childId: string, code: string) {
    const { child } = await this.requireChild(parent, childId);
    return this.#d.attendance.checkIn(child, code);
  }

  /** Whether a user is a parent of this student (homework files, materials). */
  async isParentOf(user: User, studentId: string): Promise<boolean> {
    return user.role === 'parent' && (await this.#d.redis.sismember(K.kids(user.id), studentId)) === 1;
  }

  /** The classes of a parent's children. */
  async classIdsOf(parent: User): Promise<string[]> {
    if (parent.role !== 'parent') return [];
    const kids = await this.#d.store.getUsers(await this.childIds(parent.id));
    return [...new Set(kids.flatMap((k) => k.classIds ?? []))];
  }

  // ---- what the class teacher does

  async #managedClass(user: User, classId: string): Promise<SchoolClass> {
    const cls = await this.#d.store.requireClass(classId);
    if (!canManageStudents(user, cls))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        `Only the class teacher of ${cls.name} (or an administrator of its school) links its parents.`,
      );
    return cls;
  }

  async #studentOf(cls: SchoolClass, studentId: string): Promise<User> {
    const s = await this.#d.store.getUser(studentId);
    if (!s || s.role !== 'student' || !s.classIds?.includes(cls.id))
      throw new AppError('VALIDATION_FAILED', `There is no student ${studentId} in ${cls.name}.`);
    return s;
  }

  /** Each student of the class with their linked parent accounts. */
  async classParents(user: User, classId: string) {
    const cls = await this.#managedClass(user, classId);
    const students = await this.#d.store.listStudents(cls.id);
    const links = await this.parentsOf(students.map((s) => s.id));
    const parents = new Map(
      (await this.#d.store.getUsers([...new Set([...links.values()].flat())])).map((p) => [p.id, p]),
    );
    return {
      students: students.map((s) => ({
        id: s.id,
        username: s.username,
        displayName: s.displayName,
        parents: (links.get(s.id) ?? [])
          .map((id) => parents.get(id))
          .filter((p): p is User => !!p)
          .map((p) => ({ id: p.id, username: p.username, displayName: p.displayName })),
      })),
    };
  }

  async #link(parentId: string, studentId: string): Promise<void> {
    const [kids, parents] = await Promise.all([
      this.#d.redis.scard(K.kids(parentId)),
      this.#d.redis.scard(K.parents(studentId)),
    ]);
    if (await this.#d.redis.sismember(K.kids(parentId), studentId)) return;
    if (kids >= MAX_CHILDREN)
      throw new AppError(
        'CONFLICT',
        `A parent account follows at most ${MAX_CHILDREN} children.`,
        undefined,
        {
          messageZh: `一个家长账号最多关联 ${MAX_CHILDREN} 个孩子。`,
        },
      );
    if (parents >= MAX_PARENTS_PER_CHILD)
      throw new AppError(
        'CONFLICT',
        `This child already has ${MAX_PARENTS_PER_CHILD} parent accounts; ask the class teacher to remove one first.`,
        undefined,
        { messageZh: `这个孩子已经关联了 ${MAX_PARENTS_PER_CHILD} 个家长账号，请联系班主任先解除一个。` },
      );
    await linkParent(this.#d.redis, parentId, studentId);
  }

  /** The class teacher makes a parent account for a student of the roster (initial password shown once). */
  async createParent(
    user: User,
    classId: string,
    body: { studentId: string; username: string; displayName: string; password?: string; phone?: string },
  ) {
    const cls = await this.#managedClass(user, classId);
    const student = await this.#studentOf(cls, body.studentId);
    if ((await this.#d.redis.scard(K.parents(student.id))) >= MAX_PARENTS_PER_CHILD)
      throw new AppError(
        'CONFLICT',
        `${student.displayName} already has ${MAX_PARENTS_PER_CHILD} parent accounts; remove one first.`,
      );
    const pw = body.password ?? this.#d.generatePassword();
    const parent = await this.#d.store.createUser({
      username: body.username,
      displayName: body.displayName,
      role: 'parent',
      passwordHash: await this.#d.hashPassword(pw),
      schoolId: cls.schoolId,
      ...(body.phone ? { phone: body.phone } : {}),
    });
    await this.#link(parent.id, student.id);
    return { user: parent, initialPassword: body.password ? undefined : pw };
  }

  /** Removes a link the class teacher made by mistake (the parent account stays). */
  async unlink(user: User, classId: string, studentId: string, parentId: string): Promise<void> {
    const cls = await this.#managedClass(user, classId);
    await this.#studentOf(cls, studentId);
    const removed = await this.#d.redis.srem(K.parents(studentId), parentId);
    await this.#d.redis.srem(K.kids(parentId), studentId);
    if (!removed) throw new AppError('NOT_FOUND', 'That parent is not linked to this student.');
  }

  /**
   * Printable invitation codes, one per student of the class; codes already
   * given out stay the same unless `renew` (then the old ones stop working).
   */
  async invites(user: User, classId: string, renew = false) {
    const cls = await this.#managedClass(user, classId);
    const students = await this.#d.store.listStudents(cls.id);
    const known = await this.#d.redis.hgetall(K.classInvites(cls.id));
    const out = [];
    for (const s of students) {
      let code = known[s.id];
      let rec = code ? await this.#invite(code) : undefined;
      if (renew || !rec) {
        if (code) await this.#d.redis.del(K.invite(code));
        code = newInviteCode();
        rec = {
          studentId: s.id,
          classId: cls.id,
          expiresAt: new Date(Date.now() + INVITE_TTL_DAYS * 86400_000).toISOString(),
          used: 0,
        };
        await this.#d.redis
          .multi()
          .set(K.invite(code), JSON.stringify(rec), 'EX', INVITE_TTL_DAYS * 86400)
          .hset(K.classInvites(cls.id), s.id, code)
          .exec();
      }
      out.push({
        studentId: s.id,
        studentName: s.displayName,
        code: code!,
        expiresAt: rec.expiresAt,
        used: rec.used,
      });
    }
    return { className: cls.name, invites: out };
  }

  async #invite(code: string): Promise<InviteRecord | undefined> {
    const raw = await this.#d.redis.get(K.invite(normalCode(code)));
    return raw ? (JSON.parse(raw) as InviteRecord) : undefined;
  }

  /** The student a code names, or a refusal that counts against the address (10 wrong codes per 10 min). */
  async #redeemable(
    code: string,
    ip: string,
  ): Promise<{ rec: InviteRecord; student: User; cls: SchoolClass }> {
    const bad = K.badCode(ip);
    const tries = Number((await this.#d.redis.get(bad)) ?? 0);
    const limited = () => {
      const e = new AppError(
        'RATE_LIMITED',
        'Too many wrong invitation codes from here. Wait 10 minutes, then type the code again carefully.',
        undefined,
        { messageZh: '邀请码输错次数太多，请 10 分钟后再仔细输入。' },
      );
      e.retryAfterSec = 600;
      return e;
    };
    if (tries >= WRONG_INVITES_ALLOWED) throw limited();
    const rec = await this.#invite(code);
    const student = rec ? await this.#d.store.getUser(rec.studentId) : undefined;
    const cls = student?.classIds?.[0] ? await this.#d.store.getClass(student.classIds[0]) : undefined;
    if (!rec || !student || !cls || Date.parse(rec.expiresAt) < Date.now()) {
      await this.#d.redis.multi().incr(bad).expire(bad, 600).exec();
      throw new AppError(
        'VALIDATION_FAILED',
        'This invitation code is not valid (mistyped, replaced by a new one, or expired). Check it, or ask the class teacher for a new one.',
        undefined,
        { messageZh: '邀请码无效（输错、已更换或已过期）。请核对，或向班主任要新的邀请码。' },
      );
    }
    if (rec.used >= INVITE_USES)
      throw new AppError(
        'CONFLICT',
        `This invitation code has already been used ${INVITE_USES} times. Ask the class teacher for a new one.`,
        undefined,
        { messageZh: `这个邀请码已经用过 ${INVITE_USES} 次，请向班主任要新的邀请码。` },
      );
    return { rec, student, cls };
  }

  async #countUse(code: string): Promise<void> {
    const key = K.invite(normalCode(code));
    const rec = await this.#invite(code);
    if (rec) await this.#d.redis.set(key, JSON.stringify({ ...rec, used: rec.used + 1 }), 'KEEPTTL');
  }

  #childOf(student: User, cls: SchoolClass) {
    return {
      id: student.id,
      username: student.username,
      displayName: student.displayName,
      classId: cls.id,
      className: cls.name,
      grade: cls.grade,
    };
  }

  /** A parent signs up with a printed code: a parent account linked to that child. */
  async signUp(
    ip: string,
    body: { code: string; username: string; displayName: string; password: string; phone?: string },
  ) {
    const { student, cls } = await this.#redeemable(body.code, ip);
    const parent = await this.#d.store.createUser({
      username: body.username,
      displayName: body.displayName,
      role: 'parent',
      passwordHash: await this.#d.hashPassword(body.password),
      schoolId: cls.schoolId,
      ...(body.phone ? { phone: body.phone } : {}),
    });
    try {
      await this.#link(parent.id, student.id);
    } catch (e) {
      await this.#d.store.deleteUser(parent.id); // nothing half-made is left behind
      throw e;
    }
    await this.#countUse(body.code);
    return { user: parent, child: this.#childOf(student, cls) };
  }

  /** A signed-in parent adds another child (a brother or sister) with that child's code. */
  async linkChild(parent: User, code: string, ip: string) {
    this.#requireParent(parent);
    const { student, cls } = await this.#redeemable(code, ip);
    await this.#link(parent.id, student.id);
    await this.#countUse(code);
    return this.#childOf(student, cls);
  }

  /** A student's account is erased: their links and invitation go with it. */
  async eraseStudent(studentId: string, classIds: string[]): Promise<void> {
    const parents = await this.#d.redis.smembers(K.parents(studentId));
    const codes = await Promise.all(classIds.map((c) => this.#d.redis.hget(K.classInvites(c), studentId)));
    const m = this.#d.redis.multi().del(K.parents(studentId));
    for (const p of parents) m.srem(K.kids(p), studentId);
    for (const c of classIds) m.hdel(K.classInvites(c), studentId);
    for (const code of codes) if (code) m.del(K.invite(code));
    await m.exec();
  }
}
