/**
 * A class's own room (班级讨论区) in Redis: messages (chat, questions to the
 * co-teacher, answers) numbered per class and kept for paging (the newest
 * HISTORY_CAP per class; older ones are dropped, pinned ones kept), an index
 * of pinned messages, raised hands, mutes that expire, a per-user send rate
 * limit, and a count of questions each teacher answered.
 */
import type { Redis } from 'ioredis';
import { localDate } from '../timetable/epg.ts';

export type { RoomMessage } from '../../contracts/presence.ts';
import type { RoomMessage } from '../../contracts/presence.ts';
export type MessageKind = RoomMessage['kind'];

const K = {
  seq: (c: string) => `sc:room:${c}:seq`,
  msgs: (c: string) => `sc:room:${c}:msgs`,
  ids: (c: string) => `sc:room:${c}:ids`,
  hands: (c: string) => `sc:room:${c}:hands`,
  pins: (c: string) => `sc:room:${c}:pins`,
  rate: (c: string, u: string, window: string) => `sc:room:${c}:rate:${u}:${window}`,
  mute: (c: string, u: string) => `sc:room:${c}:mute:${u}`,
  answered: 'sc:work:answered',
  /** Per class: "<date>:question" / "<date>:answer" → count (participation, for supervision). */
  daily: (c: string) => `sc:room:${c}:daily`,
};

/** Messages a class keeps (older ones are dropped as new ones arrive; pinned ones stay). */
export const HISTORY_CAP = 2000;

/** Sending limits per person and class: [messages, per seconds]. */
export const SEND_LIMITS = {
  student: [
    [5, 10],
    [20, 60],
  ],
  co_teacher: [
    [20, 10],
    [120, 60],
  ],
} as const;

export class ClassRoomStore {
  readonly #redis: Redis;
  readonly #cap: number;
  readonly #timeZone: string;

  constructor(redis: Redis, opts: { historyCap?: number; timeZone?: string } = {}) {
    this.#redis = redis;
    this.#cap = opts.historyCap ?? HISTORY_CAP;
    this.#timeZone = opts.timeZone ?? 'Asia/Shanghai';
  }

  /**
   * Counts one message against the sender's limits; returns 0 when it may be
   * sent, else the seconds to wait.
   */
  async takeSendSlot(classId: string, userId: string, role: 'student' | 'co_teacher', now = Date.now()) {
    const limits = SEND_LIMITS[role];
    const m = this.#redis.multi();
    const windows = limits.map(([, per]) => Math.floor(now / (per * 1000)));
    limits.forEach(([, per], i) => {
      const key = K.rate(classId, userId, `${per}:${windows[i]}`);
      m.incr(key).expire(key, per * 2);
    });
    const r = (await m.exec()) ?? [];
    for (let i = 0; i < limits.length; i++) {
      const [max, per] = limits[i]!;
      if (Number(r[2 * i]?.[1] ?? 0) > max) return Math.ceil(((windows[i]! + 1) * per * 1000 - now) / 1000);
    }
    return 0;
  }

  async add(m: Omit<RoomMessage, 'id' | 'at'>): Promise<RoomMessage> {
    const id = await this.#redis.incr(K.seq(m.classId));
    const msg: RoomMessage = { ...m, id, at: Date.now() };
    const tx = this.#redis
      .multi()
      .hset(K.msgs(m.classId), String(id), JSON.stringify(msg))
      .zadd(K.ids(m.classId), id, String(id))
      .zcard(K.ids(m.classId));
    if (m.kind !== 'chat')
      tx.hincrby(K.daily(m.classId), `${localDate(this.#timeZone, msg.at)}:${m.kind}`, 1);
    const r = await tx.exec();
    if (Number(r?.[2]?.[1] ?? 0) > this.#cap) await this.#trim(m.classId);
    return msg;
  }

  /** Questions asked and answers given in each class's room on a day (participation). */
  async participation(classIds: string[], date: string): Promise<{ questions: number; answers: number }[]> {
    if (!classIds.length) return [];
    const m = this.#redis.multi();
    for (const c of classIds) m.hmget(K.daily(c), `${date}:question`, `${date}:answer`);
    const r = (await m.exec()) ?? [];
    return classIds.map((_, i) => {
      const [q, a] = (r[i]?.[1] as (string | null)[] | undefined) ?? [];
      return { questions: Number(q ?? 0), answers: Number(a ?? 0) };
    });
  }

  /** Drops the oldest messages beyond the cap (pinned ones keep their text, out of the paged history). */
  async #trim(classId: string): Promise<void> {
    const count = await this.#redis.zcard(K.ids(classId));
    const excess = count - this.#cap;
    if (excess <= 0) return;
    const old = await this.#redis.zrange(K.ids(classId), 0, excess - 1);
    const pins = new Set(await this.#redis.smembers(K.pins(classId)));
    const drop = old.filter((id) => !pins.has(id));
    const tx = this.#redis.multi().zrem(K.ids(classId), ...old);
    if (drop.length) tx.hdel(K.msgs(classId), ...drop);
    await tx.exec();
  }

  async get(classId: string, id: number): Promise<RoomMessage | undefined> {
    const v = await this.#redis.hget(K.msgs(classId), String(id));
    return v ? (JSON.parse(v) as RoomMessage) : undefined;
  }

  async update(classId: string, id: number, patch: Partial<RoomMessage>): Promise<RoomMessage | undefined> {
    const cur = await this.get(classId, id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    const tx = this.#redis.multi().hset(K.msgs(classId), String(id), JSON.stringify(next));
    if (next.pinned && !next.deleted) tx.sadd(K.pins(classId), String(id));
    else tx.srem(K.pins(classId), String(id));
    await tx.exec();
    return next;
  }

  /** The newest messages before `before` (exclusive), oldest first; deleted ones keep their place, without text. */
  async page(
    classId: string,
    before = Infinity,
    limit = 30,
  ): Promise<{ messages: RoomMessage[]; more: boolean }> {
    const max = Number.isFinite(before) ? `(${before}` : '+inf';
    const ids = await this.#redis.zrevrangebyscore(K.ids(classId), max, '-inf', 'LIMIT', 0, limit + 1);
    const more = ids.length > limit;
    const wanted = ids.slice(0, limit);
    const values = wanted.length ? await this.#redis.hmget(K.msgs(classId), ...wanted) : [];
    const messages = values
      .flatMap((v) => (v ? [JSON.parse(v) as RoomMessage] : []))
      .map((m) => (m.deleted ? { ...m, text: '' } : m))
      .reverse();
    return { messages, more };
  }

  /** Pinned messages, from their index (the history is not scanned). */
  async pinned(classId: string): Promise<RoomMessage[]> {
    const ids = (await this.#redis.smembers(K.pins(classId))).sort((a, b) => Number(a) - Number(b));
    if (!ids.length) return [];
    const values = await this.#redis.hmget(K.msgs(classId), ...ids);
    return values
      .flatMap((v) => (v ? [JSON.parse(v) as RoomMessage] : []))
      .filter((m) => m.pinned && !m.deleted);
  }

  /** Every message a user wrote in a class, as written (also those a teacher hid), for a data export. */
  async messagesBy(classId: string, userId: string): Promise<RoomMessage[]> {
    const all = await this.#redis.hvals(K.msgs(classId));
    return all
      .map((v) => JSON.parse(v) as RoomMessage)
      .filter((m) => m.userId === userId)
      .sort((a, b) => a.id - b.id);
  }

  /**
   * Erases a user from a class room: their messages (text and all), their
   * raised hand, their mute and their rate counters. Answers to their questions
   * stay (the teacher wrote them). Returns how many messages were removed.
   */
  async eraseUser(classId: string, userId: string): Promise<number> {
    const mine = (await this.messagesBy(classId, userId)).map((m) => String(m.id));
    const tx = this.#redis.multi().hdel(K.hands(classId), userId).del(K.mute(classId, userId));
    if (mine.length) {
      tx.hdel(K.msgs(classId), ...mine)
        .zrem(K.ids(classId), ...mine)
        .srem(K.pins(classId), ...mine);
    }
    await tx.exec();
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(
        cursor,
        'MATCH',
        K.rate(classId, userId, '*'),
        'COUNT',
        200,
      );
      if (keys.length) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return mine.length;
  }

  async setHand(classId: string, userId: string, up: boolean): Promise<Record<string, number>> {
    if (up) await this.#redis.hset(K.hands(classId), userId, String(Date.now()));
    else await this.#redis.hdel(K.hands(classId), userId);
    return this.hands(classId);
  }

  async hands(classId: string): Promise<Record<string, number>> {
    const h = await this.#redis.hgetall(K.hands(classId));
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  async mute(classId: string, userId: string, minutes: number): Promise<number> {
    const until = Date.now() + minutes * 60_000;
    await this.#redis.set(K.mute(classId, userId), String(until), 'PX', minutes * 60_000);
    return until;
  }

  async unmute(classId: string, userId: string): Promise<void> {
    await this.#redis.del(K.mute(classId, userId));
  }

  /** When the student's mute ends (undefined: not muted). */
  async mutedUntil(classId: string, userId: string): Promise<number | undefined> {
    const v = await this.#redis.get(K.mute(classId, userId));
    return v ? Number(v) : undefined;
  }

  async countAnswer(teacherId: string): Promise<void> {
    await this.#redis.hincrby(K.answered, teacherId, 1);
  }

  async answeredBy(teacherIds: string[]): Promise<Record<string, number>> {
    if (!teacherIds.length) return {};
    const v = await this.#redis.hmget(K.answered, ...teacherIds);
    return Object.fromEntries(teacherIds.map((t, i) => [t, Number(v[i] ?? 0)]));
  }
}
