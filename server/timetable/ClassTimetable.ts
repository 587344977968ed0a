/**
 * Class-level week timetables (班级线上教学活动周课表): a class's own
 * activities around the grade channel — Q&A hours by subject, PE/art/labour,
 * tutoring, class meetings — checked against the grade's published day
 * (server/timetable/rules.ts checkClassDay) under the class's school's rules,
 * and one merged week for the class, its students and their parents.
 *
 * Redis: sc:ctt:{class}:{date} (the day's activities, JSON).
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import { canManageStudents } from '../auth/policy.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import type { TimetableStore } from './TimetableStore.ts';
import { checkClassDay, toMinutes } from './rules.ts';
import { datesFrom, localDate } from './epg.ts';
import { DATE_PATTERN } from './model.ts';
import {
  ACTIVITY_KINDS,
  ON_SCREEN_BY_DEFAULT,
  type ClassActivity,
  type ClassWeek,
  type NewClassActivity,
} from '../../contracts/timetable.ts';
import type { z } from 'zod';

const K = { day: (classId: string, date: string) => `sc:ctt:${classId}:${date}` };

export interface ClassTimetableDeps {
  redis: Redis;
  store: DistrictStore;
  timetable: TimetableStore;
  timeZone: string;
}

type NewActivity = z.input<typeof NewClassActivity>;

export class ClassTimetable {
  readonly #d: ClassTimetableDeps;

  constructor(d: ClassTimetableDeps) {
    this.#d = d;
  }

  async day(classId: string, date: string): Promise<ClassActivity[]> {
    const v = await this.#d.redis.get(K.day(classId, date));
    return v ? (JSON.parse(v) as ClassActivity[]) : [];
  }

  /** The rules the class's school works under: its own tightening, or the district's. */
  async #rules(cls: SchoolClass) {
    return (await this.#d.timetable.schoolRules(cls.schoolId)) ?? (await this.#d.timetable.rules());
  }

  /** Replaces a day's activities of a class (its class teacher, its school's admins, district admins). */
  async replaceDay(user: User, classId: string, date: string, list: NewActivity[]): Promise<ClassActivity[]> {
    const cls = await this.#d.store.requireClass(classId);
    if (!canManageStudents(user, cls))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        `Only the class teacher of ${cls.name} and its school's administrators plan its week.`,
      );
    if (!DATE_PATTERN.test(date)) throw new AppError('VALIDATION_FAILED', 'The date must be YYYY-MM-DD.');
    const old = await this.day(cls.id, date);
    const activities: ClassActivity[] = list.map((a, i) => ({
      id: old[i]?.id ?? `act_${crypto.randomBytes(6).toString('hex')}`,
      classId: cls.id,
      date,
      start: a.start,
      end: a.end,
      kind: a.kind,
      title: a.title.trim(),
      ...(a.subject?.trim() ? { subject: a.subject.trim() } : {}),
      onScreen: a.onScreen ?? ON_SCREEN_BY_DEFAULT[a.kind],
      ...(a.note?.trim() ? { note: a.note.trim() } : {}),
    }));
    const violations = checkClassDay({
      activities,
      gradeSlots: await this.#d.timetable.day(cls.grade, date),
      rules: await this.#rules(cls),
      grade: cls.grade,
      date,
    });
    if (violations.length)
      throw new AppError(
        'VALIDATION_FAILED',
        `The class's day breaks ${violations.length} rule(s); nothing was changed.`,
        { violations },
      );
    activities.sort((a, b) => toMinutes(a.start) - toMinutes(b.start));
    if (activities.length) await this.#d.redis.set(K.day(cls.id, date), JSON.stringify(activities));
    else await this.#d.redis.del(K.day(cls.id, date));
    return activities;
  }

  /** Whether a user sees the class's week: its members, its school's and the district's admins (parents: familyWeek). */
  #canSee(user: User, cls: SchoolClass): boolean {
    if (user.role === 'district_admin') return true;
    if (user.role === 'school_admin') return user.schoolId === cls.schoolId;
    return (user.role === 'co_teacher' || user.role === 'student') && !!user.classIds?.includes(cls.id);
  }

  async week(user: User, classId: string, from?: string): Promise<ClassWeek> {
    const cls = await this.#d.store.requireClass(classId);
    if (!this.#canSee(user, cls))
      throw new AppError('FORBIDDEN_SCOPE', `Only the members of ${cls.name} and its school see its week.`);
    return this.weekOf(cls, from, canManageStudents(user, cls));
  }

  /** The merged week of a class (the caller has checked who asks). */
  async weekOf(cls: SchoolClass, from = localDate(this.#d.timeZone), canEdit = false): Promise<ClassWeek> {
    if (!DATE_PATTERN.test(from)) throw new AppError('VALIDATION_FAILED', 'from must be YYYY-MM-DD.');
    const dates = datesFrom(from, 7);
    const rules = await this.#rules(cls);
    const violations: ClassWeek['violations'] = [];
    const days = [];
    for (const date of dates) {
      const [slots, acts] = await Promise.all([
        this.#d.timetable.day(cls.grade, date),
        this.day(cls.id, date),
      ]);
      // The grade's day may have changed since the class planned around it: say where they clash now.
      if (acts.length)
        violations.push(
          ...checkClassDay({ activities: acts, gradeSlots: slots, rules, grade: cls.grade, date }),
        );
      const items = [
        ...slots.map((s) => ({
          type: 'lesson' as const,
          id: s.id,
          start: s.start.slice(0, 5),
          end: s.end.slice(0, 5),
          title: s.title ?? s.subject,
          subject: s.subject,
          kind: s.source.kind,
          onScreen: true,
        })),
        ...acts.map((a) => ({
          type: 'activity' as const,
          id: a.id,
          start: a.start,
          end: a.end,
          title: a.title,
          ...(a.subject ? { subject: a.subject } : {}),
          kind: a.kind,
          onScreen: a.onScreen,
          ...(a.note ? { note: a.note } : {}),
        })),
      ].sort((x, y) => toMinutes(x.start) - toMinutes(y.start));
      days.push({ date, items });
    }
    const activityKinds = ACTIVITY_KINDS.map((kind) => ({ kind, onScreen: ON_SCREEN_BY_DEFAULT[kind] }));
    return {
      classId: cls.id,
      className: cls.name,
      grade: cls.grade,
      from,
      canEdit,
      days,
      violations,
      activityKinds,
    };
  }
}
