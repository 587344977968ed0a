/**
 * The homework use cases over Redis: set (within the day's limit for the
 * class's school level), submit and resubmit (late kept and marked late,
 * earlier versions kept), mark (grade or score, comment, voice comment,
 * redo), the class's completion, the daily marking rotation, and who may
 * open which file. Every check is here, on the server; the HTTP routes only
 * parse and call.
 *
 * Keys: sc:hw:a:<id> (assignment JSON), sc:hw:class:<class> (zset of
 * assignment ids by due time), sc:hw:sub:<assignment> (hash student →
 * current submission), sc:hw:hist:<assignment>:<student> (earlier versions),
 * sc:hw:file:<id> (a file: owner, storage key, what names it),
 * sc:hw:rot:<class> (rotation: round and each student's last in-depth date).
 */
import type { Redis } from 'ioredis';
import { AppError, notFound } from '../errors.ts';
import { newId, type DistrictStore } from '../district/DistrictStore.ts';
import { levelOfGrade, type SchoolClass, type User } from '../district/model.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { homeworkLimit } from '../timetable/rules.ts';
import { localDate, slotInstant } from '../timetable/epg.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { Assignment, Attachment, Mark, Submission, SubmissionState } from '../../contracts/homework.ts';
import type * as hw from '../../contracts/homework.ts';
import type { z } from 'zod';
import {
  countsOf,
  minutesOn,
  proposeRotation,
  recordInDepth,
  ROTATION_PER_DAY,
  stateOf,
  type RotationState,
} from './rotation.ts';

const K = {
  assignment: (id: string) => `sc:hw:a:${id}`,
  classList: (classId: string) => `sc:hw:class:${classId}`,
  subs: (id: string) => `sc:hw:sub:${id}`,
  hist: (id: string, student: string) => `sc:hw:hist:${id}:${student}`,
  file: (id: string) => `sc:hw:file:${id}`,
  rotation: (classId: string) => `sc:hw:rot:${classId}`,
  marked: (teacherId: string, date: string) => `sc:hw:marked:${teacherId}:${date}`,
};
/** A finished upload nobody attached is forgotten after a week (its bytes stay until storage clean-up). */
const UNCLAIMED_FILE_TTL_S = 7 * 86_400;

interface FileRecord {
  file: Attachment;
  key: string;
  owner: string;
  /** What names it: an assignment (its classes see it) or a submission (the student and staff). */
  assignmentId?: string;
  studentId?: string;
  /** A learning material (who sees it is the material's business: materialAccess). */
  materialId?: string;
}

/** Who is whose parent (server/family/Family.ts). */
export interface FamilyLookup {
  isParentOf(user: User, studentId: string): Promise<boolean>;
  classIdsOf(user: User): Promise<string[]>;
}

export interface HomeworkDeps {
  redis: Redis;
  store: DistrictStore;
  timetable: TimetableStore;
  storage: Storage;
  timeZone: string;
  now?: () => number;
}

type NewAssignment = z.output<typeof hw.NewAssignment>;
type SubmitBody = z.output<typeof hw.SubmitHomework>;
type MarkBody = z.output<typeof hw.MarkSubmission>;

export class Homework {
  readonly #d: HomeworkDeps;
  constructor(d: HomeworkDeps) {
    this.#d = d;
  }

  #now(): number {
    return this.#d.now?.() ?? Date.now();
  }

  today(): string {
    return localDate(this.#d.timeZone, new Date(this.#now()));
  }

  // ---- files

  /** A finished upload, the uploader's until something names it. */
  async addFile(user: User, file: Attachment, key: string): Promise<void> {
    const rec: FileRecord = { file, key, owner: user.id };
    await this.#d.redis.set(K.file(file.id), JSON.stringify(rec), 'EX', UNCLAIMED_FILE_TTL_S);
  }

  async #fileRecord(id: string): Promise<FileRecord | undefined> {
    const v = await this.#d.redis.get(K.file(id));
    return v ? (JSON.parse(v) as FileRecord) : undefined;
  }

  /** Decides who may open a learning material's file (set by the materials use cases). */
  materialAccess?: (user: User, materialId: string) => Promise<boolean>;
  /** Parents: they see their children's submissions, feedback and homework files. */
  family?: FamilyLookup;

  /** Files of the user's own uploads named by a learning material. */
  claimForMaterial(user: User, ids: string[], materialId: string): Promise<Attachment[]> {
    return this.#claim(user, ids, { materialId });
  }

  /** The user's own finished, unclaimed uploads, named by a submission, an assignment, a mark or a material. */
  async #claim(
    user: User,
    ids: string[],
    scope: { assignmentId?: string; studentId?: string; materialId?: string },
  ): Promise<Attachment[]> {
    const records: FileRecord[] = [];
    for (const id of new Set(ids)) {
      const rec = await this.#fileRecord(id);
      if (!rec || rec.owner !== user.id)
        throw new AppError(
          'VALIDATION_FAILED',
          `File ${id} is not one of your finished uploads: upload it again (unfinished uploads resume where they stopped).`,
        );
      if (
        (rec.assignmentId || rec.materialId) &&
        (rec.assignmentId !== scope.assignmentId ||
          rec.studentId !== scope.studentId ||
          rec.materialId !== scope.materialId)
      )
        throw new AppError(
          'CONFLICT',
          `File ${rec.file.name} is already attached elsewhere: upload it again.`,
        );
      records.push(rec);
    }
    // Claimed files are kept (no expiry) and remember what names them.
    const m = this.#d.redis.multi();
    for (const rec of records) m.set(K.file(rec.file.id), JSON.stringify({ ...rec, ...scope }));
    await m.exec();
    return records.map((r) => r.file);
  }

  /** A file the user may open: its key and what it is. */
  async openFile(user: User, id: string): Promise<{ key: string; file: Attachment }> {
    const rec = await this.#fileRecord(id);
    if (!rec) throw notFound(`File ${id}`);
    let allowed = rec.owner === user.id;
    if (!allowed && rec.materialId) allowed = (await this.materialAccess?.(user, rec.materialId)) ?? false;
    if (!allowed && rec.assignmentId) {
      const a = await this.#assignment(rec.assignmentId);
      if (rec.studentId) {
        // A submission's files: the student, and the staff of the student's class.
        const student = await this.#d.store.getUser(rec.studentId);
        const cls = student?.classIds?.[0] ? await this.#d.store.getClass(student.classIds[0]) : undefined;
        allowed =
          user.id === rec.studentId ||
          (!!cls && this.#isStaffOf(user, cls)) ||
          ((await this.family?.isParentOf(user, rec.studentId)) ?? false);
      } else {
        const classes = await this.#classes(a.classIds);
        const families = (await this.family?.classIdsOf(user)) ?? [];
        allowed = classes.some(
          (c) => this.#isStaffOf(user, c) || this.#isStudentOf(user, c) || families.includes(c.id),
        );
      }
    }
    if (!allowed) throw new AppError('FORBIDDEN_SCOPE', 'This file belongs to another class or student.');
    return { key: rec.key, file: rec.file };
  }

  // ---- who may do what

  #isStudentOf(user: User, cls: SchoolClass): boolean {
    return user.role === 'student' && !!user.classIds?.includes(cls.id);
  }

  /** Sees the class's homework and every submission: its co-teachers, admins of its school, district admins. */
  #isStaffOf(user: User, cls: SchoolClass): boolean {
    if (user.role === 'district_admin') return true;
    if (user.role === 'school_admin') return user.schoolId === cls.schoolId;
    return user.role === 'co_teacher' && !!user.classIds?.includes(cls.id);
  }

  /** Sets and marks homework: the class's co-teachers only. */
  #teaches(user: User, cls: SchoolClass): boolean {
    return user.role === 'co_teacher' && !!user.classIds?.includes(cls.id);
  }

  async #classes(ids: string[]): Promise<SchoolClass[]> {
    return Promise.all(ids.map((id) => this.#d.store.requireClass(id)));
  }

  async requireStaffClass(user: User, classId: string): Promise<SchoolClass> {
    const cls = await this.#d.store.requireClass(classId);
    if (!this.#isStaffOf(user, cls))
      throw new AppError('FORBIDDEN_SCOPE', `Only the teachers of ${cls.name} and admins see its homework.`);
    return cls;
  }

  // ---- assignments

  async #assignment(id: string): Promise<Assignment> {
    const v = await this.#d.redis.get(K.assignment(id));
    if (!v) throw notFound(`Homework ${id}`);
    return JSON.parse(v) as Assignment;
  }

  async #classAssignments(classId: string): Promise<Assignment[]> {
    const ids = await this.#d.redis.zrange(K.classList(classId), 0, -1);
    if (!ids.length) return [];
    const values = await this.#d.redis.mget(ids.map(K.assignment));
    return values.flatMap((v) => (v ? [JSON.parse(v) as Assignment] : []));
  }

  /** The day's homework minutes of each class against its level's limit (what the co-teacher sees before publishing). */
  async load(user: User, classIds: string[], date = this.today(), minutes = 0) {
    const classes = await this.#classes(classIds);
    for (const c of classes)
      if (!this.#isStaffOf(user, c))
        throw new AppError('FORBIDDEN_SCOPE', `Only the teachers of ${c.name} and admins see its homework.`);
    const out = [];
    for (const c of classes) {
      const level = levelOfGrade(c.grade);
      const school = await this.#d.timetable.schoolRules(c.schoolId);
      const limitMinutes = homeworkLimit(school ?? (await this.#d.timetable.rules()), level);
      const setMinutes = minutesOn(await this.#classAssignments(c.id), c.id, date);
      out.push({
        classId: c.id,
        className: c.name,
        level,
        limitMinutes,
        setMinutes,
        withNew: setMinutes + minutes,
        over: setMinutes + minutes > limitMinutes,
      });
    }
    return { date, classes: out };
  }

  async create(user: User, body: NewAssignment): Promise<Assignment> {
    const classIds = [...new Set(body.classIds)];
    const classes = await this.#classes(classIds);
    for (const c of classes)
      if (!this.#teaches(user, c))
        throw new AppError(
          'FORBIDDEN_SCOPE',
          `You do not teach ${c.name}: homework is set by the class's co-teachers.`,
        );
    const due = Date.parse(body.dueAt);
    if (!Number.isFinite(due))
      throw new AppError('VALIDATION_FAILED', 'dueAt must be a date and time (ISO 8601).');
    if (due < this.#now() - 60_000)
      throw new AppError('VALIDATION_FAILED', 'The due time has already passed: choose a later one.');
    const date = body.date ?? this.today();
    const load = await this.load(user, classIds, date, body.expectedMinutes);
    const over = load.classes.filter((c) => c.over);
    if (over.length)
      throw new AppError(
        'VALIDATION_FAILED',
        over
          .map(
            (c) =>
              `${c.className} already has ${c.setMinutes} min of homework on ${date}; with ${body.expectedMinutes} more it would be ${c.withNew} min, above the limit of ${c.limitMinutes} min for its level. Shorten it or set it for another day.`,
          )
          .join(' '),
        { load },
      );
    const id = newId('hw');
    const attachments = await this.#claim(user, body.attachmentIds, { assignmentId: id });
    const a: Assignment = {
      id,
      classIds,
      subject: body.subject,
      title: body.title,
      instructions: body.instructions,
      date,
      dueAt: new Date(due).toISOString(),
      expectedMinutes: body.expectedMinutes,
      ...(body.slotId ? { slotId: body.slotId } : {}),
      attachments,
      createdBy: user.id,
      createdByName: user.displayName,
      createdAt: new Date(this.#now()).toISOString(),
    };
    const m = this.#d.redis.multi().set(K.assignment(id), JSON.stringify(a));
    for (const c of classIds) m.zadd(K.classList(c), due, id);
    await m.exec();
    return a;
  }

  // ---- submissions

  async #submissions(assignmentId: string): Promise<Map<string, Submission>> {
    const all = await this.#d.redis.hgetall(K.subs(assignmentId));
    return new Map(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as Submission]));
  }

  async #studentAssignment(user: User, id: string): Promise<Assignment> {
    const a = await this.#assignment(id);
    if (user.role !== 'student' || !a.classIds.some((c) => user.classIds?.includes(c)))
      throw new AppError('FORBIDDEN_SCOPE', 'This homework is for another class.');
    return a;
  }

  async submit(user: User, id: string, body: SubmitBody): Promise<Submission> {
    const a = await this.#studentAssignment(user, id);
    if (!body.text && body.attachmentIds.length === 0)
      throw new AppError(
        'VALIDATION_FAILED',
        'Add at least one photo, a recording or some text before handing in.',
      );
    const prev = (await this.#d.redis.hget(K.subs(id), user.id)) ?? undefined;
    const previous = prev ? (JSON.parse(prev) as Submission) : undefined;
    if (previous?.mark && !previous.mark.redo)
      throw new AppError(
        'CONFLICT',
        'Your teacher has already marked this homework. Ask your teacher if you want to hand it in again.',
      );
    const attachments = await this.#claim(user, body.attachmentIds, { assignmentId: id, studentId: user.id });
    const now = this.#now();
    const sub: Submission = {
      assignmentId: id,
      studentId: user.id,
      studentName: user.displayName,
      submittedAt: new Date(now).toISOString(),
      // Kept whatever the time: after the due time it is marked late, never refused.
      late: now > Date.parse(a.dueAt),
      ...(body.text ? { text: body.text } : {}),
      attachments,
      version: (previous?.version ?? 0) + 1,
    };
    const m = this.#d.redis.multi();
    if (previous) m.lpush(K.hist(id, user.id), prev!);
    m.hset(K.subs(id), user.id, JSON.stringify(sub));
    await m.exec();
    return sub;
  }

  async mark(user: User, id: string, studentId: string, body: MarkBody): Promise<Submission> {
    const a = await this.#assignment(id);
    const student = await this.#d.store.getUser(studentId);
    const classId = student?.classIds?.[0];
    if (!student || student.role !== 'student' || !classId || !a.classIds.includes(classId))
      throw notFound(`A submission of ${studentId} to homework ${id}`);
    const cls = await this.#d.store.requireClass(classId);
    if (!this.#teaches(user, cls))
      throw new AppError('FORBIDDEN_SCOPE', `Only the co-teachers of ${cls.name} mark its homework.`);
    const raw = await this.#d.redis.hget(K.subs(id), studentId);
    if (!raw)
      throw new AppError(
        'CONFLICT',
        `${student.displayName} has not handed this homework in yet: nothing to mark.`,
      );
    if (!body.grade && body.score === undefined && !body.comment && !body.voiceAttachmentId && !body.redo)
      throw new AppError(
        'VALIDATION_FAILED',
        'Give a grade, a score, a comment or a voice comment, or ask for a redo.',
      );
    const sub = JSON.parse(raw) as Submission;
    const voice = body.voiceAttachmentId
      ? (await this.#claim(user, [body.voiceAttachmentId], { assignmentId: id, studentId }))[0]
      : undefined;
    if (voice && voice.kind !== 'audio')
      throw new AppError('VALIDATION_FAILED', 'A voice comment must be a recording.');
    const today = this.today();
    const mark: Mark = {
      ...(body.grade ? { grade: body.grade } : {}),
      ...(body.score !== undefined ? { score: body.score } : {}),
      ...(body.comment ? { comment: body.comment } : {}),
      ...(voice ? { voiceComment: voice } : {}),
      redo: body.redo,
      inDepth: body.inDepth,
      markedBy: user.id,
      markedByName: user.displayName,
      markedAt: new Date(this.#now()).toISOString(),
    };
    const marked: Submission = { ...sub, mark };
    await this.#d.redis
      .multi()
      .hset(K.subs(id), studentId, JSON.stringify(marked))
      .incr(K.marked(user.id, today)) // the teacher's on-duty record (workload)
      .expire(K.marked(user.id, today), 40 * 86_400)
      .exec();
    if (body.inDepth) await this.#recordRotation(cls, studentId, today);
    return marked;
  }

  /** How many submissions each teacher marked on these days (the workload page). */
  async markedBy(teacherIds: string[], dates: string[]): Promise<Map<string, number>> {
    const keys = teacherIds.flatMap((t) => dates.map((d) => K.marked(t, d)));
    const values = keys.length ? await this.#d.redis.mget(keys) : [];
    return new Map(
      teacherIds.map((t, i) => [
        t,
        values.slice(i * dates.length, (i + 1) * dates.length).reduce((n, v) => n + Number(v ?? 0), 0),
      ]),
    );
  }

  /** Homework of a class due on a day: student × assignment cells, and how many were handed in (supervision). */
  async dayCompletion(
    classId: string,
    studentIds: string[],
    date: string,
  ): Promise<{ due: number; done: number }> {
    const from = slotInstant(date, '00:00', this.#d.timeZone).getTime();
    const ids = await this.#d.redis.zrangebyscore(K.classList(classId), from, from + 86_400_000 - 1);
    if (!ids.length || !studentIds.length) return { due: 0, done: 0 };
    const m = this.#d.redis.multi();
    for (const id of ids) m.hmget(K.subs(id), ...studentIds);
    const r = (await m.exec()) ?? [];
    const done = r.reduce((n, [, v]) => n + (v as (string | null)[]).filter((x) => x !== null).length, 0);
    return { due: ids.length * studentIds.length, done };
  }

  // ---- views

  async detail(user: User, id: string) {
    const a = await this.#assignment(id);
    const classes = await this.#classes(a.classIds);
    if (user.role === 'student') {
      await this.#studentAssignment(user, id);
      const mine = (await this.#d.redis.hget(K.subs(id), user.id)) ?? undefined;
      const history = (await this.#d.redis.lrange(K.hist(id, user.id), 0, -1)).map(
        (v) => JSON.parse(v) as Submission,
      );
      return { assignment: a, submissions: mine ? [JSON.parse(mine) as Submission] : [], history };
    }
    const visible = classes.filter((c) => this.#isStaffOf(user, c));
    if (!visible.length)
      throw new AppError('FORBIDDEN_SCOPE', 'This homework is for classes you do not teach.');
    const subs = await this.#submissions(id);
    const submissions: Submission[] = [];
    const missing: { id: string; name: string; classId: string }[] = [];
    for (const c of visible) {
      for (const s of await this.#d.store.listStudents(c.id)) {
        const sub = subs.get(s.id);
        if (sub) submissions.push(sub);
        else missing.push({ id: s.id, name: s.displayName, classId: c.id });
      }
    }
    return { assignment: a, submissions, missing };
  }

  /** The class page's table: each assignment's counts and each student's state per assignment. */
  async classView(user: User, classId: string) {
    const cls = await this.requireStaffClass(user, classId);
    const assignments = (await this.#classAssignments(cls.id)).sort((x, y) => y.dueAt.localeCompare(x.dueAt));
    const students = (await this.#d.store.listStudents(cls.id)).filter((s) => !s.disabled);
    const subs = await Promise.all(assignments.map((a) => this.#submissions(a.id)));
    const rows = students.map((s) => ({
      id: s.id,
      name: s.displayName,
      states: Object.fromEntries(assignments.map((a, i) => [a.id, stateOf(subs[i]!.get(s.id))])) as Record<
        string,
        SubmissionState
      >,
    }));
    return {
      classId: cls.id,
      assignments: assignments.map((a, i) => ({
        ...a,
        counts: countsOf(students.map((s) => stateOf(subs[i]!.get(s.id)))),
      })),
      students: rows,
    };
  }

  /** A student's homework: every assignment of their class, newest due first, with their submission and feedback. */
  async mine(user: User) {
    const classId = user.classIds?.[0];
    if (user.role !== 'student' || !classId)
      throw new AppError('FORBIDDEN_ROLE', 'Only students have their own homework list.');
    const assignments = (await this.#classAssignments(classId)).sort((x, y) =>
      y.dueAt.localeCompare(x.dueAt),
    );
    const items = [];
    for (const a of assignments) {
      const raw = await this.#d.redis.hget(K.subs(a.id), user.id);
      const submission = raw ? (JSON.parse(raw) as Submission) : undefined;
      items.push({ assignment: a, state: stateOf(submission), ...(submission ? { submission } : {}) });
    }
    return { items };
  }

  /** Forgets a file and deletes its bytes (a material removed). */
  async dropFile(id: string): Promise<void> {
    const rec = await this.#fileRecord(id);
    if (rec) await this.#d.storage.delete(rec.key).catch(() => undefined);
    await this.#d.redis.del(K.file(id));
  }

  // ---- data rights

  /** Everything handed in by a student (current and earlier versions), for the data export. */
  async ofStudent(studentId: string, classIds: string[]): Promise<Submission[]> {
    const out: Submission[] = [];
    for (const c of classIds) {
      for (const a of await this.#classAssignments(c)) {
        const cur = await this.#d.redis.hget(K.subs(a.id), studentId);
        if (cur) out.push(JSON.parse(cur) as Submission);
        for (const v of await this.#d.redis.lrange(K.hist(a.id, studentId), 0, -1))
          out.push(JSON.parse(v) as Submission);
      }
    }
    return out;
  }

  /** Erases a student's submissions, their files (records and bytes) and their rotation entries. */
  async eraseStudent(studentId: string, classIds: string[]): Promise<number> {
    const subs = await this.ofStudent(studentId, classIds);
    const files = new Set(
      subs
        .flatMap((s) => [...s.attachments, ...(s.mark?.voiceComment ? [s.mark.voiceComment] : [])])
        .map((f) => f.id),
    );
    for (const id of files) {
      const rec = await this.#fileRecord(id);
      if (rec) await this.#d.storage.delete(rec.key).catch(() => undefined);
      await this.#d.redis.del(K.file(id));
    }
    const m = this.#d.redis.multi();
    for (const c of classIds) {
      for (const a of await this.#classAssignments(c))
        m.hdel(K.subs(a.id), studentId).del(K.hist(a.id, studentId));
      m.hdel(K.rotation(c), `s:${studentId}`);
    }
    await m.exec();
    return subs.length;
  }

  // ---- rotation

  async #rotationState(classId: string): Promise<RotationState> {
    const all = await this.#d.redis.hgetall(K.rotation(classId));
    const entries = new Map(
      Object.entries(all)
        .filter(([k]) => k.startsWith('s:'))
        .map(([k, v]) => [k.slice(2), JSON.parse(v) as { round: number; date: string }]),
    );
    return { round: Number(all.round ?? 1), entries };
  }

  async #recordRotation(cls: SchoolClass, studentId: string, today: string): Promise<void> {
    const students = (await this.#d.store.listStudents(cls.id)).filter((s) => !s.disabled).map((s) => s.id);
    const next = recordInDepth(students, await this.#rotationState(cls.id), studentId, today);
    await this.#d.redis.hset(K.rotation(cls.id), {
      round: String(next.round),
      [`s:${studentId}`]: JSON.stringify(next.entries.get(studentId)),
    });
  }

  async rotation(user: User, classId: string, date = this.today()) {
    const cls = await this.requireStaffClass(user, classId);
    const students = (await this.#d.store.listStudents(cls.id))
      .filter((s) => !s.disabled)
      .sort((a, b) => a.displayName.localeCompare(b.displayName, 'zh-CN') || a.id.localeCompare(b.id));
    const state = await this.#rotationState(cls.id);
    const p = proposeRotation(
      students.map((s) => s.id),
      state,
      date,
    );
    const name = new Map(students.map((s) => [s.id, s.displayName]));
    return {
      classId: cls.id,
      date,
      proposed: p.proposed.map((id) => ({
        id,
        name: name.get(id)!,
        ...(state.entries.get(id) ? { lastInDepth: state.entries.get(id)!.date } : {}),
      })),
      markedToday: p.markedToday.map((id) => ({ id, name: name.get(id)! })),
      coveredThisRound: p.coveredThisRound,
      classSize: students.length,
      perDay: ROTATION_PER_DAY,
    };
  }
}
