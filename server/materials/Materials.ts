/**
 * Learning materials (学习任务单, exercises, e-textbook pages): files attached
 * to a grade's timetable slot or to a recorded lesson by the grade's lead
 * teachers and district admins (the grade's students and staff download
 * them), or to a class by its co-teachers (class-only). Files go up over the
 * homework tus endpoint, are classified from their bytes there (PDF, images,
 * Office documents, audio) and size-limited, and are opened through
 * /api/homework/files/{id} with this module deciding who may.
 *
 * Keys: sc:mat:<id> (JSON), sc:mat:idx:<scope> (zset of ids by time), where
 * scope is lesson:<id>, slot:<grade>:<date>:<slotId> or class:<id>.
 */
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { AppError, notFound } from '../errors.ts';
import { newId, type DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import { gradesOf } from '../district/gradesOf.ts';
import type { FamilyLookup, Homework } from '../homework/Homework.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { canViewLesson } from '../lessons/lessonPolicy.ts';
import type * as m from '../../contracts/materials.ts';

type Material = z.infer<typeof m.Material>;
type Scope = Material['scope'];
type NewMaterial = z.output<typeof m.NewMaterial>;

const K = {
  material: (id: string) => `sc:mat:${id}`,
  index: (scope: Scope) => `sc:mat:idx:${scopeKey(scope)}`,
};

export function scopeKey(s: Scope): string {
  switch (s.kind) {
    case 'lesson':
      return `lesson:${s.lessonId}`;
    case 'slot':
      return `slot:${s.grade}:${s.date}:${s.slotId}`;
    case 'class':
      return `class:${s.classId}`;
  }
}

export interface MaterialsDeps {
  redis: Redis;
  store: DistrictStore;
  lessons: LessonStore;
  homework: Homework;
  timetable: TimetableStore;
  /** Parents see their children's classes' and grades' materials. */
  family?: FamilyLookup;
}

export class Materials {
  readonly #d: MaterialsDeps;

  constructor(d: MaterialsDeps) {
    this.#d = d;
    d.homework.materialAccess = async (user, id) => {
      const mat = await this.#get(id).catch(() => undefined);
      return !!mat && (await this.#canSee(user, mat.scope));
    };
  }

  async #get(id: string): Promise<Material> {
    const v = await this.#d.redis.get(K.material(id));
    if (!v) throw notFound(`Material ${id}`);
    return JSON.parse(v) as Material;
  }

  /** The grade a scope belongs to (a lesson's, a slot's, a class's). */
  async #gradeOf(s: Scope): Promise<number> {
    if (s.kind === 'slot') return s.grade;
    if (s.kind === 'class') return (await this.#d.store.requireClass(s.classId)).grade;
    const lesson = await this.#d.lessons.get(s.lessonId);
    if (!lesson) throw notFound(`Lesson ${s.lessonId}`);
    return lesson.grade;
  }

  /** The grades whose materials a user follows: a parent's are their children's. */
  async #grades(user: User): Promise<number[]> {
    if (user.role !== 'parent') return gradesOf(this.#d.store, user);
    const classes = await Promise.all(
      ((await this.#d.family?.classIdsOf(user)) ?? []).map((id) => this.#d.store.getClass(id)),
    );
    return [...new Set(classes.filter((c) => !!c).map((c) => c!.grade))];
  }

  async #canSee(user: User, s: Scope): Promise<boolean> {
    if (user.role === 'parent' && s.kind === 'class')
      return ((await this.#d.family?.classIdsOf(user)) ?? []).includes(s.classId);
    if (s.kind === 'class') {
      const cls = await this.#d.store.requireClass(s.classId);
      if (user.role === 'district_admin') return true;
      if (user.role === 'school_admin') return user.schoolId === cls.schoolId;
      return (user.role === 'co_teacher' || user.role === 'student') && !!user.classIds?.includes(cls.id);
    }
    if (s.kind === 'lesson') {
      const lesson = await this.#d.lessons.get(s.lessonId);
      return !!lesson && canViewLesson(user, lesson, await this.#grades(user));
    }
    if (user.role === 'district_admin' || user.role === 'school_admin') return true;
    return (await this.#grades(user)).includes(s.grade);
  }

  /** Adds: grade content (slot, lesson) by its lead teachers and district admins; class-only by its co-teachers. */
  async #canAdd(user: User, s: Scope): Promise<boolean> {
    if (s.kind === 'class') return user.role === 'co_teacher' && !!user.classIds?.includes(s.classId);
    if (user.role === 'district_admin') return true;
    return user.role === 'lead_teacher' && (user.grades ?? []).includes(await this.#gradeOf(s));
  }

  async add(user: User, body: NewMaterial): Promise<Material> {
    const scope = body.scope;
    await this.#gradeOf(scope); // the lesson or class exists
    if (
      scope.kind === 'slot' &&
      !(await this.#d.timetable.day(scope.grade, scope.date)).some((s) => s.id === scope.slotId)
    )
      throw new AppError(
        'VALIDATION_FAILED',
        `Grade ${scope.grade} has no lesson ${scope.slotId} on ${scope.date}.`,
      );
    if (!(await this.#canAdd(user, scope)))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        scope.kind === 'class'
          ? 'Only the co-teachers of this class add its own materials.'
          : 'Materials of a grade’s lessons are added by its lead teachers and the district.',
      );
    const id = newId('mat');
    const [file] = await this.#d.homework.claimForMaterial(user, [body.fileId], id);
    const mat: Material = {
      id,
      scope,
      title: body.title,
      file: file!,
      addedBy: user.id,
      addedByName: user.displayName,
      addedAt: new Date().toISOString(),
    };
    await this.#d.redis
      .multi()
      .set(K.material(id), JSON.stringify(mat))
      .zadd(K.index(scope), Date.now(), id)
      .exec();
    return mat;
  }

  async list(user: User, scope: Scope): Promise<Material[]> {
    if (!(await this.#canSee(user, scope)))
      throw new AppError('FORBIDDEN_SCOPE', 'These materials are for another grade or class.');
    const ids = await this.#d.redis.zrange(K.index(scope), 0, -1);
    if (!ids.length) return [];
    return (await this.#d.redis.mget(ids.map(K.material))).flatMap((v) =>
      v ? [JSON.parse(v) as Material] : [],
    );
  }

  async remove(user: User, id: string): Promise<void> {
    const mat = await this.#get(id);
    if (mat.addedBy !== user.id && user.role !== 'district_admin')
      throw new AppError('FORBIDDEN_SCOPE', 'Only whoever added a material (or the district) removes it.');
    await this.#d.redis.multi().del(K.material(id)).zrem(K.index(mat.scope), id).exec();
    await this.#d.homework.dropFile(mat.file.id);
  }
}
