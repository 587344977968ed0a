/**
 * The timetable in Redis: one JSON value per grade and day, the district's
 * rules, school tightenings, and an audit list of every publish and
 * override. Days are replaced whole and atomically (MULTI).
 */
import type { Redis } from 'ioredis';
import { DEFAULT_RULES, type RuleSet, type Slot } from './model.ts';

const K = {
  day: (grade: number, date: string) => `sc:tt:${grade}:${date}`,
  rules: 'sc:tt:rules',
  schoolRules: (schoolId: string) => `sc:tt:rules:school:${schoolId}`,
  audit: 'sc:tt:audit',
  changes: 'sc:tt-changes',
};

export interface AuditEntry {
  at: string;
  by: string;
  action: 'publish' | 'override';
  grade: number;
  date: string;
  detail: string;
}

export class TimetableStore {
  readonly #redis: Redis;
  static readonly CHANGES_CHANNEL = K.changes;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async day(grade: number, date: string): Promise<Slot[]> {
    const v = await this.#redis.get(K.day(grade, date));
    return v ? (JSON.parse(v) as Slot[]) : [];
  }

  /** The day's JSON as stored (channels key their caches on it). */
  async dayRaw(grade: number, date: string): Promise<string | null> {
    return this.#redis.get(K.day(grade, date));
  }

  async days(grades: number[], dates: string[]): Promise<Slot[]> {
    const keys = grades.flatMap((g) => dates.map((d) => K.day(g, d)));
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(keys);
    return values.flatMap((v) => (v ? (JSON.parse(v) as Slot[]) : []));
  }

  /** Replaces whole days at once (all or nothing) and records who did it. */
  async publish(days: { grade: number; date: string; slots: Slot[] }[], by: string): Promise<void> {
    const m = this.#redis.multi();
    const at = new Date().toISOString();
    for (const d of days) {
      const sorted = [...d.slots].sort((a, b) => a.start.localeCompare(b.start));
      if (sorted.length) m.set(K.day(d.grade, d.date), JSON.stringify(sorted));
      else m.del(K.day(d.grade, d.date));
      const entry: AuditEntry = {
        at,
        by,
        action: 'publish',
        grade: d.grade,
        date: d.date,
        detail: `${sorted.length} slots`,
      };
      m.lpush(K.audit, JSON.stringify(entry));
      for (const s of sorted.filter((x) => x.override)) {
        const o: AuditEntry = {
          at,
          by: s.override!.by,
          action: 'override',
          grade: d.grade,
          date: d.date,
          detail: `${s.start}–${s.end} ${s.subject}: ${s.override!.reason}`,
        };
        m.lpush(K.audit, JSON.stringify(o));
      }
      m.publish(K.changes, `${d.grade}:${d.date}`);
    }
    m.ltrim(K.audit, 0, 9999);
    await m.exec();
  }

  async audit(limit = 100): Promise<AuditEntry[]> {
    return (await this.#redis.lrange(K.audit, 0, limit - 1)).map((v) => JSON.parse(v) as AuditEntry);
  }

  async rules(): Promise<RuleSet> {
    const v = await this.#redis.get(K.rules);
    return v ? (JSON.parse(v) as RuleSet) : DEFAULT_RULES;
  }

  async setRules(r: RuleSet): Promise<void> {
    await this.#redis.set(K.rules, JSON.stringify(r));
  }

  async schoolRules(schoolId: string): Promise<RuleSet | undefined> {
    const v = await this.#redis.get(K.schoolRules(schoolId));
    return v ? (JSON.parse(v) as RuleSet) : undefined;
  }

  async setSchoolRules(schoolId: string, r: RuleSet): Promise<void> {
    await this.#redis.set(K.schoolRules(schoolId), JSON.stringify(r));
  }
}
