/**
 * The district model in Redis. Every record is a JSON value under a key of
 * its own, with sets as indexes; writes that touch several keys go through
 * MULTI so a reader never sees half a user.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError, notFound } from '../errors.ts';
import {
  gradeNameZh,
  levelOfGrade,
  publicUser,
  type District,
  type Grade,
  type Role,
  type School,
  type SchoolClass,
  type StoredUser,
  type User,
} from './model.ts';

const K = {
  district: 'sc:district',
  schools: 'sc:schools',
  grades: 'sc:grades',
  classes: 'sc:classes',
  user: (id: string) => `sc:user:${id}`,
  usernames: 'sc:usernames',
  role: (r: Role) => `sc:role:${r}`,
  schoolClasses: (id: string) => `sc:school:${id}:classes`,
  schoolUsers: (id: string) => `sc:school:${id}:users`,
  classStudents: (id: string) => `sc:class:${id}:students`,
  classTeachers: (id: string) => `sc:class:${id}:teachers`,
};

export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{2,39}$/;

export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(8).toString('hex')}`;
}

export interface NewUser {
  id?: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  schoolId?: string;
  grades?: number[];
  subjects?: string[];
  classIds?: string[];
  /** Parents: for the district's SMS/WeChat gateway. */
  phone?: string;
}

export class DistrictStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async getDistrict(): Promise<District | undefined> {
    const raw = await this.#redis.get(K.district);
    return raw ? (JSON.parse(raw) as District) : undefined;
  }

  async setDistrict(d: District): Promise<void> {
    await this.#redis.set(K.district, JSON.stringify(d));
  }

  // ---- schools
  async createSchool(name: string, id = newId('sch')): Promise<School> {
    const school: School = { id, name };
    await this.#redis.hset(K.schools, id, JSON.stringify(school));
    return school;
  }

  async getSchool(id: string): Promise<School | undefined> {
    const raw = await this.#redis.hget(K.schools, id);
    return raw ? (JSON.parse(raw) as School) : undefined;
  }

  async listSchools(): Promise<School[]> {
    const all = await this.#redis.hvals(K.schools);
    return all.map((s) => JSON.parse(s) as School).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
  }

  // ---- grades (district-wide)
  async addGrade(n: number): Promise<Grade> {
    const grade: Grade = { number: n, level: levelOfGrade(n), name: gradeNameZh(n) };
    await this.#redis.sadd(K.grades, String(n));
    return grade;
  }

  async listGrades(): Promise<Grade[]> {
    const ns = (await this.#redis.smembers(K.grades)).map(Number).sort((a, b) => a - b);
    return ns.map((n) => ({ number: n, level: levelOfGrade(n), name: gradeNameZh(n) }));
  }

  // ---- classes
  async createClass(input: Omit<SchoolClass, 'id'> & { id?: string }): Promise<SchoolClass> {
    if (!(await this.getSchool(input.schoolId))) throw notFound(`School ${input.schoolId}`);
    if (!(await this.#redis.sismember(K.grades, String(input.grade)))) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Grade ${input.grade} is not set up in this district; add the grade first.`,
      );
    }
    const cls: SchoolClass = { ...input, id: input.id ?? newId('cls') };
    await this.#redis
      .multi()
      .hset(K.classes, cls.id, JSON.stringify(cls))
      .sadd(K.schoolClasses(cls.schoolId), cls.id)
      .exec();
    return cls;
  }

  async getClass(id: string): Promise<SchoolClass | undefined> {
    const raw = await this.#redis.hget(K.classes, id);
    return raw ? (JSON.parse(raw) as SchoolClass) : undefined;
  }

  async requireClass(id: string): Promise<SchoolClass> {
    const cls = await this.getClass(id);
    if (!cls) throw notFound(`Class ${id}`);
    return cls;
  }

  async listClasses(): Promise<SchoolClass[]> {
    const all = (await this.#redis.hvals(K.classes)).map((s) => JSON.parse(s) as SchoolClass);
    return all.sort(
      (a, b) =>
        a.grade - b.grade || a.schoolId.localeCompare(b.schoolId) || a.name.localeCompare(b.name, 'zh-CN'),
    );
  }

  async setClassTeacher(classId: string, userId: string): Promise<SchoolClass> {
    const cls = await this.requireClass(classId);
    const user = await this.getUser(userId);
    if (!user || user.role !== 'co_teacher' || !user.classIds?.includes(classId)) {
      throw new AppError('VALIDATION_FAILED', 'The class teacher must be a co-teacher of this class.');
    }
    const updated = { ...cls, classTeacherId: userId };
    await this.#redis.hset(K.classes, classId, JSON.stringify(updated));
    return updated;
  }

  // ---- users
  async createUser(input: NewUser): Promise<User> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME_RE.test(username)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Username "${input.username}" is not allowed: use 3–40 lowercase letters, digits, dot, dash or underscore.`,
      );
    }
    const displayName = input.displayName.trim();
    if (displayName.length < 1 || displayName.length > 40) {
      throw new AppError('VALIDATION_FAILED', 'The display name must be 1–40 characters.');
    }
    const id = input.id ?? newId('usr');
    const user: StoredUser = {
      id,
      username,
      displayName,
      role: input.role,
      passwordHash: input.passwordHash,
      createdAt: new Date().toISOString(),
      ...(input.schoolId ? { schoolId: input.schoolId } : {}),
      ...(input.grades ? { grades: input.grades } : {}),
      ...(input.subjects ? { subjects: input.subjects } : {}),
      ...(input.classIds ? { classIds: input.classIds } : {}),
      ...(input.phone ? { phone: input.phone } : {}),
    };
    await this.#validateMembership(user);
    const claimed = await this.#redis.hsetnx(K.usernames, username, id);
    if (!claimed) throw new AppError('CONFLICT', `Username "${username}" is already taken; choose another.`);
    const tx = this.#redis.multi().set(K.user(id), JSON.stringify(user)).sadd(K.role(user.role), id);
    if (user.schoolId) tx.sadd(K.schoolUsers(user.schoolId), id);
    for (const c of user.classIds ?? []) {
      tx.sadd(user.role === 'student' ? K.classStudents(c) : K.classTeachers(c), id);
    }
    await tx.exec();
    return publicUser(user);
  }

  async #validateMembership(user: StoredUser): Promise<void> {
    const bad = (msg: string) => new AppError('VALIDATION_FAILED', msg);
    if (user.role === 'student' && user.classIds?.length !== 1)
      throw bad('A student belongs to exactly one class.');
    if (user.role === 'co_teacher' && !user.classIds?.length)
      throw bad('A co-teacher follows at least one class.');
    if (user.role === 'parent' && user.classIds?.length)
      throw bad('A parent is linked to children, not to classes.');
    if (
      (user.role === 'school_admin' ||
        user.role === 'student' ||
        user.role === 'co_teacher' ||
        user.role === 'parent') &&
      !user.schoolId
    ) {
      throw bad(`A ${user.role} needs a school.`);
    }
    if (user.schoolId && !(await this.getSchool(user.schoolId))) throw notFound(`School ${user.schoolId}`);
    for (const c of user.classIds ?? []) {
      const cls = await this.getClass(c);
      if (!cls) throw notFound(`Class ${c}`);
      if (cls.schoolId !== user.schoolId) throw bad(`Class ${cls.name} is not in this user's school.`);
    }
    if (user.role === 'lead_teacher' && (!user.grades?.length || !user.subjects?.length)) {
      throw bad('A lead teacher needs at least one grade and one subject.');
    }
  }

  async getStoredUser(id: string): Promise<StoredUser | undefined> {
    const raw = await this.#redis.get(K.user(id));
    return raw ? (JSON.parse(raw) as StoredUser) : undefined;
  }

  async getUser(id: string): Promise<User | undefined> {
    const u = await this.getStoredUser(id);
    return u ? publicUser(u) : undefined;
  }

  async findByUsername(username: string): Promise<StoredUser | undefined> {
    const id = await this.#redis.hget(K.usernames, username.trim().toLowerCase());
    return id ? this.getStoredUser(id) : undefined;
  }

  /** Several users at once (missing ones left out), by username. */
  getUsers(ids: string[]): Promise<User[]> {
    return this.#usersByIds(ids);
  }

  async #usersByIds(ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    const raws = await this.#redis.mget(...ids.map(K.user));
    return raws
      .filter((r): r is string => r !== null)
      .map((r) => publicUser(JSON.parse(r) as StoredUser))
      .sort((a, b) => a.username.localeCompare(b.username));
  }

  async listStudents(classId: string): Promise<User[]> {
    return this.#usersByIds(await this.#redis.smembers(K.classStudents(classId)));
  }

  async listClassTeachers(classId: string): Promise<User[]> {
    return this.#usersByIds(await this.#redis.smembers(K.classTeachers(classId)));
  }

  async listByRole(role: Role): Promise<User[]> {
    return this.#usersByIds(await this.#redis.smembers(K.role(role)));
  }

  async listSchoolUsers(schoolId: string): Promise<User[]> {
    return this.#usersByIds(await this.#redis.smembers(K.schoolUsers(schoolId)));
  }

  async countStudents(classId: string): Promise<number> {
    return this.#redis.scard(K.classStudents(classId));
  }

  /** Switches an account off (it cannot sign in) or on again. */
  async setDisabled(userId: string, disabled: boolean): Promise<User> {
    const u = await this.getStoredUser(userId);
    if (!u) throw notFound(`User ${userId}`);
    const { disabled: _old, ...rest } = u;
    const next: StoredUser = disabled ? { ...rest, disabled: true } : rest;
    await this.#redis.set(K.user(userId), JSON.stringify(next));
    return publicUser(next);
  }

  /** Removes an account and every index that names it (account erasure). */
  async deleteUser(userId: string): Promise<void> {
    const u = await this.getStoredUser(userId);
    if (!u) throw notFound(`User ${userId}`);
    const tx = this.#redis
      .multi()
      .del(K.user(userId))
      .hdel(K.usernames, u.username)
      .srem(K.role(u.role), userId);
    if (u.schoolId) tx.srem(K.schoolUsers(u.schoolId), userId);
    for (const c of u.classIds ?? []) tx.srem(K.classStudents(c), userId).srem(K.classTeachers(c), userId);
    await tx.exec();
    if (u.role === 'co_teacher') {
      for (const c of u.classIds ?? []) {
        const cls = await this.getClass(c);
        if (cls?.classTeacherId === userId) {
          const { classTeacherId: _t, ...rest } = cls;
          await this.#redis.hset(K.classes, c, JSON.stringify(rest));
        }
      }
    }
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    const u = await this.getStoredUser(userId);
    if (!u) throw notFound(`User ${userId}`);
    await this.#redis.set(K.user(userId), JSON.stringify({ ...u, passwordHash }));
  }
}
