/**
 * Attendance that counts every screen: TV check-in and co-teachers' marks.
 *
 * - TV check-in: while a lesson airs, its grade channel's guide (and the web
 *   channel player) shows a four-digit code derived from the district secret
 *   and the slot; a child who watches on the family TV enters it in the app
 *   within the lesson and is counted present via TV. Wrong codes are limited
 *   (5 per 10 minutes per child) so guessing 10,000 codes is no way in.
 * - Marks: a co-teacher marks a child present or absent for a lesson with a
 *   reason (TV, ill, no device, leave, other) and may correct an automatic
 *   mark; every mark is kept in the class's correction log and the audit log.
 *
 * Records expire after the district's retention (attendanceRetentionDays,
 * default one term), as the watch logs do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

export const MARK_REASONS = ['tv', 'ill', 'no_device', 'leave', 'other'] as const;
export type MarkReason = (typeof MARK_REASONS)[number];

export interface ManualMark {
  status: 'present' | 'absent';
  reason: MarkReason;
  note?: string;
  by: string;
  byName: string;
  at: string;
}

export interface Correction extends ManualMark {
  date: string;
  slotId: string;
  studentId: string;
  studentName: string;
  /** What the heartbeats (or a check-in) said before the mark. */
  was: string;
}

export const WRONG_CODES_ALLOWED = 5;
const WRONG_CODES_WINDOW_S = 600;

const K = {
  tv: (uid: string, date: string) => `sc:att:tv:${uid}:${date}`,
  marks: (classId: string, date: string) => `sc:att:mark:${classId}:${date}`,
  log: (classId: string) => `sc:att:marklog:${classId}`,
  wrong: (uid: string) => `sc:att:wrong:${uid}`,
};

/** The slot's TV check-in code: four digits, the same on every instance, unguessable without the secret. */
export function checkInCode(key: string, grade: number, date: string, slotId: string): string {
  const mac = createHmac('sha256', key).update(`checkin|${grade}|${date}|${slotId}`).digest();
  return String(mac.readUInt32BE(0) % 10_000).padStart(4, '0');
}

/** Compares an entered code with the slot's in constant time. */
export function sameCode(entered: string, code: string): boolean {
  return /^\d{4}$/.test(entered) && timingSafeEqual(Buffer.from(entered), Buffer.from(code));
}

export class AttendanceMarks {
  readonly #redis: Redis;
  readonly #retentionS: () => Promise<number>;

  constructor(redis: Redis, retentionDays: () => Promise<number>) {
    this.#redis = redis;
    this.#retentionS = async () => (await retentionDays()) * 86_400;
  }

  /** Counts a wrong code; false once the child has used up the attempts of the window. */
  async wrongCode(uid: string): Promise<{ allowed: boolean; retryAfterSec: number }> {
    const [[, n], [, ttl]] = (await this.#redis.multi().incr(K.wrong(uid)).ttl(K.wrong(uid)).exec()) as [
      [null, number],
      [null, number],
    ];
    if (ttl < 0) await this.#redis.expire(K.wrong(uid), WRONG_CODES_WINDOW_S);
    return { allowed: n <= WRONG_CODES_ALLOWED, retryAfterSec: ttl > 0 ? ttl : WRONG_CODES_WINDOW_S };
  }

  async wrongCodesLeft(uid: string): Promise<number> {
    return WRONG_CODES_ALLOWED - Number((await this.#redis.get(K.wrong(uid))) ?? 0);
  }

  async checkIn(uid: string, date: string, slotId: string, at = Date.now()): Promise<void> {
    await this.#redis
      .multi()
      .hsetnx(K.tv(uid, date), slotId, String(at))
      .expire(K.tv(uid, date), await this.#retentionS())
      .exec();
  }

  /** Each student's TV check-ins of a day (slot → time). */
  async checkIns(uids: string[], date: string): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    if (!uids.length) return out;
    const m = this.#redis.multi();
    for (const u of uids) m.hgetall(K.tv(u, date));
    const r = (await m.exec()) ?? [];
    uids.forEach((u, i) => {
      const h = (r[i]?.[1] ?? {}) as Record<string, string>;
      out.set(u, new Map(Object.entries(h).map(([k, v]) => [k, Number(v)])));
    });
    return out;
  }

  async setMark(
    classId: string,
    date: string,
    slotId: string,
    studentId: string,
    mark: ManualMark,
    c: Correction,
  ) {
    const ttl = await this.#retentionS();
    await this.#redis
      .multi()
      .hset(K.marks(classId, date), `${slotId}|${studentId}`, JSON.stringify(mark))
      .expire(K.marks(classId, date), ttl)
      .lpush(K.log(classId), JSON.stringify(c))
      .ltrim(K.log(classId), 0, 9999)
      .expire(K.log(classId), ttl)
      .exec();
  }

  /** The class's marks of a day, keyed "slotId|studentId". */
  async marks(classId: string, date: string): Promise<Map<string, ManualMark>> {
    const h = await this.#redis.hgetall(K.marks(classId, date));
    return new Map(Object.entries(h).map(([k, v]) => [k, JSON.parse(v) as ManualMark]));
  }

  async corrections(classId: string, limit = 200): Promise<Correction[]> {
    return (await this.#redis.lrange(K.log(classId), 0, limit - 1)).map((v) => JSON.parse(v) as Correction);
  }

  /** Erases a student's check-ins, marks and corrections (data rights). */
  async eraseStudent(uid: string, classIds: string[]): Promise<number> {
    let removed = 0;
    const scan = async (pattern: string, each: (key: string) => Promise<void>) => {
      let cursor = '0';
      do {
        const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
        cursor = next;
        for (const k of keys) await each(k);
      } while (cursor !== '0');
    };
    await scan(`sc:att:tv:${uid}:*`, async (k) => {
      removed += await this.#redis.del(k);
    });
    for (const c of classIds) {
      await scan(`sc:att:mark:${c}:*`, async (k) => {
        const fields = Object.keys(await this.#redis.hgetall(k)).filter((f) => f.endsWith(`|${uid}`));
        if (fields.length) removed += await this.#redis.hdel(k, ...fields);
      });
      const log = await this.#redis.lrange(K.log(c), 0, -1);
      for (const v of log)
        if ((JSON.parse(v) as Correction).studentId === uid)
          removed += await this.#redis.lrem(K.log(c), 0, v);
    }
    removed += await this.#redis.del(K.wrong(uid));
    return removed;
  }
}
