/**
 * A class's own room (班级讨论区) in Redis: messages (chat, questions to the
 * co-teacher, answers) numbered per class and kept for paging, raised hands,
 * mutes that expire, and a count of questions each teacher answered.
 */
import type { Redis } from 'ioredis';

export type MessageKind = 'chat' | 'question' | 'answer';

export interface RoomMessage {
  id: number;
  classId: string;
  userId: string;
  name: string;
  role: 'student' | 'co_teacher';
  kind: MessageKind;
  text: string;
  at: number;
  /** An answer: the question it answers. */
  replyTo?: number;
  /** A question: the answer's id once answered. */
  answeredBy?: number;
  pinned?: boolean;
  deleted?: boolean;
}

const K = {
  seq: (c: string) => `sc:room:${c}:seq`,
  msgs: (c: string) => `sc:room:${c}:msgs`,
  ids: (c: string) => `sc:room:${c}:ids`,
  hands: (c: string) => `sc:room:${c}:hands`,
  mute: (c: string, u: string) => `sc:room:${c}:mute:${u}`,
  answered: 'sc:work:answered',
};

export class ClassRoomStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async add(m: Omit<RoomMessage, 'id' | 'at'>): Promise<RoomMessage> {
    const id = await this.#redis.incr(K.seq(m.classId));
    const msg: RoomMessage = { ...m, id, at: Date.now() };
    await this.#redis
      .multi()
      .hset(K.msgs(m.classId), String(id), JSON.stringify(msg))
      .zadd(K.ids(m.classId), id, String(id))
      .exec();
    return msg;
  }

  async get(classId: string, id: number): Promise<RoomMessage | undefined> {
    const v = await this.#redis.hget(K.msgs(classId), String(id));
    return v ? (JSON.parse(v) as RoomMessage) : undefined;
  }

  async update(classId: string, id: number, patch: Partial<RoomMessage>): Promise<RoomMessage | undefined> {
    const cur = await this.get(classId, id);
    if (!cur) return undefined;
    const next = { ...cur, ...patch };
    await this.#redis.hset(K.msgs(classId), String(id), JSON.stringify(next));
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

  async pinned(classId: string): Promise<RoomMessage[]> {
    const all = await this.#redis.hvals(K.msgs(classId));
    return all.map((v) => JSON.parse(v) as RoomMessage).filter((m) => m.pinned && !m.deleted);
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
