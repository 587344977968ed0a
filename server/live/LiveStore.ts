/** Live lessons in Redis: one JSON value each; state changes are checked and applied atomically (Lua). */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LiveLesson, LiveStatus } from './LiveLesson.ts';

const K = {
  lesson: (id: string) => `sc:live:${id}`,
  all: 'sc:lives',
  changes: 'sc:live-changes',
};

/** KEYS[1] lesson, KEYS[2] change channel; ARGV[1] allowed current statuses (comma list, '' = any), ARGV[2] patch JSON. */
const TRANSITION = `
local v = redis.call('GET', KEYS[1])
if not v then return {0, ''} end
local o = cjson.decode(v)
if ARGV[1] ~= '' then
  local ok = false
  for s in string.gmatch(ARGV[1], '[^,]+') do if o.status == s then ok = true end end
  if not ok then return {-1, v} end
end
local patch = cjson.decode(ARGV[2])
for k, val in pairs(patch) do
  if val == cjson.null then o[k] = nil else o[k] = val end
end
local out = cjson.encode(o)
redis.call('SET', KEYS[1], out)
redis.call('PUBLISH', KEYS[2], o.id)
return {1, out}
`;

export type TransitionResult =
  | { ok: true; lesson: LiveLesson }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'wrong-state'; lesson: LiveLesson };

export class LiveStore {
  readonly #redis: Redis;
  static readonly CHANGES_CHANNEL = K.changes;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  static newId(): string {
    return `live_${crypto.randomBytes(8).toString('hex')}`;
  }

  async create(l: LiveLesson): Promise<LiveLesson> {
    await this.#redis
      .multi()
      .set(K.lesson(l.id), JSON.stringify(l))
      .zadd(K.all, Date.parse(l.createdAt), l.id)
      .exec();
    return l;
  }

  async get(id: string): Promise<LiveLesson | undefined> {
    if (!/^live_[0-9a-f]{16}$/.test(id)) return undefined;
    const v = await this.#redis.get(K.lesson(id));
    return v ? (JSON.parse(v) as LiveLesson) : undefined;
  }

  async list(): Promise<LiveLesson[]> {
    const ids = await this.#redis.zrevrange(K.all, 0, 199);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map(K.lesson));
    return values.filter((v): v is string => !!v).map((v) => JSON.parse(v) as LiveLesson);
  }

  /** Applies `patch` only while the lesson is in one of `from` (any state when empty). */
  async transition(
    id: string,
    from: LiveStatus[],
    patch: Partial<Record<keyof LiveLesson, unknown>>,
  ): Promise<TransitionResult> {
    const full = { ...patch, updatedAt: new Date().toISOString() };
    const [code, json] = (await this.#redis.eval(
      TRANSITION,
      2,
      K.lesson(id),
      K.changes,
      from.join(','),
      JSON.stringify(full, (_k, v: unknown) => (v === undefined ? null : v)),
    )) as [number, string];
    if (code === 0) return { ok: false, reason: 'not-found' };
    if (code === -1) return { ok: false, reason: 'wrong-state', lesson: JSON.parse(json) as LiveLesson };
    return { ok: true, lesson: JSON.parse(json) as LiveLesson };
  }
}
