/**
 * The timetable use cases: check days against the rules (with what the
 * catalogue knows about each lesson), replace one grade's day, and import a
 * file of slots (CSV or JSON) that is published only if every row and every
 * rule passes. The routes parse, authorise and call these.
 */
import { AppError } from '../errors.ts';
import { isPublished } from '../../recordings/catalogue/Lesson.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { DATE_PATTERN, DEFAULT_RULES_FULL, type RuleSet, type Slot, type Violation } from './model.ts';
import { checkDay, looserThan, type LessonFacts } from './rules.ts';
import { datesFrom, localDate } from './epg.ts';
import type { TimetableStore } from './TimetableStore.ts';
import { parseTimetableCsv, rowToSlot, type ImportRowError } from './timetableCsv.ts';
import { decodeCsv } from '../district/RosterCsv.ts';

export interface TimetableServiceDeps {
  store: TimetableStore;
  lessons: LessonStore;
  /** The district's grades (slots for other grades are refused). */
  grades: () => Promise<Set<number>>;
  /** The district's time zone: "today" is its local date. */
  timeZone: string;
}

export interface ImportResult {
  published: boolean;
  message?: string;
  days?: number;
  slots: number;
  errors: ImportRowError[];
  violations: (Violation & { line?: number })[];
}

/** Slots grouped per grade and date ("3|2026-12-01"). */
export function groupDays(slots: Slot[]): Map<string, Slot[]> {
  const m = new Map<string, Slot[]>();
  for (const s of slots) m.set(`${s.grade}|${s.date}`, [...(m.get(`${s.grade}|${s.date}`) ?? []), s]);
  return m;
}

export class TimetableService {
  readonly #d: TimetableServiceDeps;

  constructor(d: TimetableServiceDeps) {
    this.#d = d;
  }

  async #facts(slots: Slot[]): Promise<(id: string) => LessonFacts | undefined> {
    const ids = [
      ...new Set(
        slots.flatMap((s) =>
          s.source.kind === 'recorded'
            ? [s.source.lessonId]
            : s.source.backupLessonId
              ? [s.source.backupLessonId]
              : [],
        ),
      ),
    ];
    const found = new Map<string, LessonFacts>();
    for (const id of ids) {
      const l = await this.#d.lessons.get(id);
      if (l)
        found.set(id, {
          grade: l.grade,
          ready: l.status === 'ready',
          approved: isPublished(l),
          durationSec: l.durationSec ?? 0,
          title: l.title,
          ...(l.classId ? { classOnly: true } : {}),
        });
    }
    return (id) => found.get(id);
  }

  /** The slots of `days` days from `from` (default: the district's today), of one grade or all. */
  async range(q: { from?: string; days: number; grade?: number }) {
    const from = q.from ?? localDate(this.#d.timeZone);
    const grades = q.grade !== undefined ? [q.grade] : [...(await this.#d.grades())];
    return { from, days: q.days, slots: await this.#d.store.days(grades, datesFrom(from, q.days)) };
  }

  /** Like `range`, with what a school's stricter rules (一校一案) refuse when `school` is given. */
  async view(q: { from?: string; days: number; grade?: number; school?: string }) {
    const r = await this.range(q);
    const rules = q.school ? await this.#d.store.schoolRules(q.school) : undefined;
    return { ...r, ...(rules ? { schoolViolations: await this.checkDays(groupDays(r.slots), rules) } : {}) };
  }

  /** The district's rules, the defaults, and a school's tightening when asked. */
  async rules(school?: string) {
    return {
      rules: await this.#d.store.rules(),
      defaults: DEFAULT_RULES_FULL,
      ...(school ? { school: (await this.#d.store.schoolRules(school)) ?? null } : {}),
    };
  }

  /** The published days from today on that these rules would break (default: the next 14 days, every grade). */
  async impactOf(rules: RuleSet, days = 14): Promise<Violation[]> {
    const { slots } = await this.range({ days });
    return this.checkDays(groupDays(slots), rules);
  }

  /**
   * Sets the district's rules unless they would break days already published: then nothing changes
   * and the answer lists every slot they would break (what the timetable was already allowed stays).
   */
  async setDistrictRules(rules: RuleSet): Promise<void> {
    const key = (v: Violation) => `${v.slotId}|${v.rule}`;
    const before = new Set((await this.impactOf(await this.#d.store.rules())).map(key));
    const broken = (await this.impactOf(rules)).filter((v) => !before.has(key(v)));
    if (broken.length)
      throw new AppError(
        'VALIDATION_FAILED',
        `These rules would break ${broken.length} published lesson(s) of the next 14 days; nothing was changed. Change those days first, or choose rules they meet.`,
        { violations: broken },
        {
          messageZh: `新规则会让今后 14 天已发布的 ${broken.length} 节课不合规，没有保存。请先调整这些课，或选择它们符合的规则。`,
        },
      );
    await this.#d.store.setRules(rules);
  }

  /** A school's own rules: only tighter than the district's, never looser. */
  async tightenForSchool(schoolId: string, rules: RuleSet): Promise<void> {
    const problems = looserThan(await this.#d.store.rules(), rules);
    if (problems.length)
      throw new AppError('VALIDATION_FAILED', 'A school can only tighten the district’s rules.', {
        problems,
      });
    await this.#d.store.setSchoolRules(schoolId, rules);
  }

  /** Checks whole days (grade+date groups) against `rules` (default: the district's); returns the violations. */
  async checkDays(days: Map<string, Slot[]>, rules?: RuleSet): Promise<Violation[]> {
    const lesson = await this.#facts([...days.values()].flat());
    const r = rules ?? (await this.#d.store.rules());
    return [...days.values()].flatMap((slots) => checkDay({ slots, rules: r, lesson }));
  }

  /** Replaces one grade's day; refuses malformed slots or any broken rule, with all of them listed. */
  async replaceDay(grade: number, date: string, raw: Record<string, unknown>[], by: string): Promise<Slot[]> {
    if (!(await this.#d.grades()).has(grade))
      throw new AppError('VALIDATION_FAILED', `Grade ${grade} is not a grade of this district.`);
    if (!DATE_PATTERN.test(date)) throw new AppError('VALIDATION_FAILED', 'The date must be YYYY-MM-DD.');
    const at = new Date().toISOString();
    const slots: Slot[] = [];
    const errors: ImportRowError[] = [];
    raw.forEach((r, i) => {
      const res = rowToSlot({ ...r, grade, date }, by, at);
      if (res.slot) slots.push(res.slot);
      else errors.push({ line: i + 1, message: res.error! });
    });
    if (errors.length)
      throw new AppError('VALIDATION_FAILED', 'Some slots are malformed; nothing was changed.', { errors });
    const violations = await this.checkDays(groupDays(slots));
    if (violations.length) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The day breaks ${violations.length} rule(s); nothing was changed. Fix them or add an override with a reason.`,
        { violations },
      );
    }
    await this.#d.store.publish([{ grade, date, slots }], by);
    return this.#d.store.day(grade, date);
  }

  /** Reads an import body: CSV bytes (UTF-8 or GBK) or JSON {"slots":[…]}. */
  parseImport(
    body: unknown,
    by: string,
  ): { slots: { line: number; slot: Slot }[]; errors: ImportRowError[] } {
    if (Buffer.isBuffer(body)) return parseTimetableCsv(decodeCsv(body), by);
    if (body && typeof body === 'object' && Array.isArray((body as { slots?: unknown }).slots)) {
      const at = new Date().toISOString();
      const parsed: { slots: { line: number; slot: Slot }[]; errors: ImportRowError[] } = {
        slots: [],
        errors: [],
      };
      (body as { slots: Record<string, unknown>[] }).slots.forEach((raw, i) => {
        const res = rowToSlot(raw, by, at);
        if (res.slot) parsed.slots.push({ line: i + 1, slot: res.slot });
        else parsed.errors.push({ line: i + 1, message: res.error! });
      });
      return parsed;
    }
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the timetable as text/csv, or as JSON {"slots":[…]}.');
  }

  /** Imports a file: the days in it are replaced only if every row and every rule passes. */
  async import(body: unknown, by: string): Promise<ImportResult> {
    const parsed = this.parseImport(body, by);
    const grades = await this.#d.grades();
    for (const { line, slot } of parsed.slots) {
      if (!grades.has(slot.grade))
        parsed.errors.push({ line, message: `grade ${slot.grade} is not a grade of this district` });
    }
    const lineOf = new Map(parsed.slots.map((s) => [s.slot.id, s.line]));
    const violations = (await this.checkDays(groupDays(parsed.slots.map((s) => s.slot)))).map((v) => ({
      line: lineOf.get(v.slotId),
      ...v,
    }));
    if (parsed.errors.length === 0 && violations.length === 0 && parsed.slots.length > 0) {
      const days = [...groupDays(parsed.slots.map((s) => s.slot)).entries()].map(([k, slots]) => {
        const [g, d] = k.split('|');
        return { grade: Number(g), date: d!, slots };
      });
      await this.#d.store.publish(days, by);
      return { published: true, days: days.length, slots: parsed.slots.length, errors: [], violations: [] };
    }
    parsed.errors.sort((a, b) => a.line - b.line);
    return {
      published: false,
      message:
        parsed.slots.length === 0 && parsed.errors.length === 0
          ? 'The file has no slots.'
          : `Nothing was published: ${parsed.errors.length} malformed row(s), ${violations.length} rule violation(s). Fix them and import again.`,
      slots: parsed.slots.length,
      errors: parsed.errors,
      violations,
    };
  }
}
