import crypto from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { Lesson } from './Lesson.ts';

const K = {
  lesson: (id: string) => `sc:lesson:${id}`,
  all: 'sc:lessons',
  positions: (id: string) => `sc:lesson:${id}:positions`,
  changes: 'sc:lesson-changes',
};

const UPDATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 1
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return -1 end
  i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HDEL', KEYS[1], ARGV[i]); i = i + 1 end
redis.call('PUBLISH', KEYS[2], ARGV[i])
return 1
`;

function encode(l: Lesson): Record<string, string> {
  return Object.fromEntries(
    Object.entries(l)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, JSON.stringify(v)]),
  );
}

function decode(h: Record<string, string>): Lesson | undefined {
  if (!h.id) return undefined;
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, JSON.parse(v)])) as Lesson;
}

export interface LessonFilter {
  grade?: number;
  subject?: string;
  q?: string;
  classId?: string;
}

export class LessonStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  static newId(): string {
    return `les_${crypto.randomBytes(8).toString('hex')}`;
  }

  async create(l: Lesson): Promise<Lesson> {
    await this.#redis
      .multi()
      .hset(K.lesson(l.id), encode(l))
      .zadd(K.all, Date.parse(l.createdAt), l.id)
      .exec();
    return l;
  }

  async get(id: string): Promise<Lesson | undefined> {
    if (!/^les_[0-9a-f]{16}$/.test(id)) return undefined;
    return decode(await this.#redis.hgetall(K.lesson(id)));
  }

  /**
   * Sets the given fields atomically (a Lua script), only where the lesson
   * exists and, when `expect` is given, only while those fields still have
   * the expected values. Each field is its own hash field, so a worker's
   * progress update never overwrites a reviewer's decision made meanwhile.
   */
  async update(
    id: string,
    patch: Partial<Lesson>,
    expect: Partial<Lesson> = {},
  ): Promise<Lesson | undefined> {
    const set = Object.entries({ ...patch, updatedAt: new Date().toISOString() }).filter(
      ([, v]) => v !== undefined,
    );
    const del = Object.entries(patch)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    const exp = Object.entries(expect);
    const args = [
      String(exp.length),
      ...exp.flatMap(([k, v]) => [k, JSON.stringify(v)]),
      String(set.length),
      ...set.flatMap(([k, v]) => [k, JSON.stringify(v)]),
      String(del.length),
      ...del,
      id,
    ];
    const done = (await this.#redis.eval(UPDATE_SCRIPT, 2, K.lesson(id), K.changes, ...args)) as number;
    return done === 1 ? this.get(id) : undefined;
  }

  async list(filter: LessonFilter = {}): Promise<Lesson[]> {
    const ids = await this.#redis.zrevrange(K.all, 0, -1);
    if (ids.length === 0) return [];
    const pipe = this.#redis.pipeline();
    for (const id of ids) pipe.hgetall(K.lesson(id));
    const rows = ((await pipe.exec()) ?? []).map(([, h]) => decode((h ?? {}) as Record<string, string>));
    const q = filter.q?.trim().toLowerCase();
    return rows
      .filter((l): l is Lesson => !!l)
      .filter(
        (l) =>
          (filter.grade === undefined || l.grade === filter.grade) &&
          (!filter.subject || l.subject === filter.subject) &&
          (!filter.classId || l.classId === filter.classId) &&
          (!q || l.title.toLowerCase().includes(q) || l.teacherName.toLowerCase().includes(q)),
      );
  }

  async delete(id: string): Promise<void> {
    await this.#redis.multi().del(K.lesson(id), K.positions(id)).zrem(K.all, id).exec();
  }

  async setPosition(lessonId: string, userId: string, seconds: number): Promise<void> {
    await this.#redis.hset(K.positions(lessonId), userId, String(Math.round(seconds * 10) / 10));
  }

  /** One command per lesson about a user's replay position, in one round trip: [lesson id, reply][]. */
  async #perLesson(op: (m: ChainableCommander, positionsKey: string) => void): Promise<[string, unknown][]> {
    const ids = await this.#redis.zrange(K.all, 0, -1);
    if (!ids.length) return [];
    const m = this.#redis.multi();
    for (const id of ids) op(m, K.positions(id));
    const r = (await m.exec()) ?? [];
    return ids.map((id, i) => [id, r[i]?.[1]]);
  }

  /** Every replay position a user has (lesson id → seconds), for a data export. */
  async positionsOf(userId: string): Promise<Record<string, number>> {
    const replies = await this.#perLesson((m, key) => m.hget(key, userId));
    return Object.fromEntries(
      replies.flatMap(([id, v]) => (typeof v === 'string' ? [[id, Number(v)] as const] : [])),
    );
  }

  /** Forgets every replay position of a user; returns how many there were. */
  async deletePositionsOf(userId: string): Promise<number> {
    const replies = await this.#perLesson((m, key) => m.hdel(key, userId));
    return replies.reduce((n, [, v]) => n + Number(v ?? 0), 0);
  }

  async getPosition(lessonId: string, userId: string): Promise<number> {
    return Number((await this.#redis.hget(K.positions(lessonId), userId)) ?? 0);
  }

  /** The channel every lesson change is published on (for live pages). */
  static readonly CHANGES_CHANNEL = K.changes;
}
