/**
 * Presence in Redis: every player tab of a student sends a heartbeat (what
 * it shows, the position, the device). Each tab's current viewing is a key
 * that expires; when the viewing changes or stops, it is closed into the
 * student's day log of watch sessions, from which attendance is computed.
 * Shared by every server instance (nothing lives in a process).
 */
import type { Redis } from 'ioredis';
import type { WatchKind, WatchSession } from './attendance.ts';

/** A tab that has not sent a heartbeat for this long has left. */
export const PRESENCE_TTL_MS = 15_000;
export const BEAT_EVERY_MS = 5_000;
/** Watch logs are kept this long unless the district sets attendanceRetentionDays. */
export const DEFAULT_LOG_TTL_S = 150 * 86_400;

const K = {
  tab: (uid: string, tab: string) => `sc:pres:tab:${uid}:${tab}`,
  tabs: (uid: string) => `sc:pres:tabs:${uid}`,
  log: (uid: string, date: string) => `sc:pres:log:${uid}:${date}`,
};

export interface Beat {
  kind: WatchKind;
  ref: string;
  title?: string;
  position: number;
  device: string;
  /** Identifies the tab (several tabs or devices at once are separate viewings). */
  tab: string;
}

export interface Viewing extends Beat {
  since: number;
  last: number;
}

export type PresenceChange = 'joined' | 'switched' | 'same' | 'left' | 'none';

/** Closes a viewing into the day log; returns the session. */
const CLOSE = `
local v = redis.call('GET', KEYS[1])
if not v then return nil end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[3], v)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return v`;

export class PresenceStore {
  readonly #redis: Redis;
  readonly #retentionDays: () => Promise<number>;

  constructor(redis: Redis, retentionDays: () => Promise<number> = async () => DEFAULT_LOG_TTL_S / 86_400) {
    this.#redis = redis;
    this.#retentionDays = retentionDays;
  }

  /** Records a heartbeat; says whether the student's viewing started, changed or continues. */
  async beat(uid: string, b: Beat, date: string, now = Date.now()): Promise<PresenceChange> {
    const cur = await this.#get(uid, b.tab);
    let change: PresenceChange = 'same';
    let since = cur?.since ?? now;
    if (!cur || cur.last < now - PRESENCE_TTL_MS) {
      if (cur) await this.#close(uid, b.tab, date);
      change = 'joined';
      since = now;
    } else if (cur.kind !== b.kind || cur.ref !== b.ref) {
      await this.#close(uid, b.tab, date);
      change = 'switched';
      since = now;
    }
    const v: Viewing = { ...b, since, last: now };
    await this.#redis
      .multi()
      .set(K.tab(uid, b.tab), JSON.stringify(v), 'PX', 3_600_000)
      .sadd(K.tabs(uid), b.tab)
      .expire(K.tabs(uid), 86_400)
      .exec();
    return change;
  }

  /** A tab closed or its socket dropped. */
  async leave(uid: string, tab: string, date: string): Promise<PresenceChange> {
    return (await this.#close(uid, tab, date)) ? 'left' : 'none';
  }

  /** What each of these students is watching now (their freshest tab), and when they were last seen today. */
  async current(uids: string[], now = Date.now()): Promise<Map<string, Viewing[]>> {
    const out = new Map<string, Viewing[]>();
    if (!uids.length) return out;
    const tabLists = await Promise.all(uids.map((u) => this.#redis.smembers(K.tabs(u))));
    const keys = uids.flatMap((u, i) => tabLists[i]!.map((t) => K.tab(u, t)));
    const values = keys.length ? await this.#redis.mget(keys) : [];
    let k = 0;
    uids.forEach((u, i) => {
      const list: Viewing[] = [];
      for (let j = 0; j < tabLists[i]!.length; j++) {
        const v = values[k++];
        if (v) list.push(JSON.parse(v) as Viewing);
      }
      out.set(
        u,
        list.filter((v) => v.last >= now - PRESENCE_TTL_MS),
      );
    });
    return out;
  }

  /** Whether each student has a watch session on a day (closed, or a tab still stored): two round trips for a class. */
  async seenOn(uids: string[], date: string): Promise<boolean[]> {
    if (!uids.length) return [];
    const m = this.#redis.multi();
    for (const u of uids) m.exists(K.log(u, date)).smembers(K.tabs(u));
    const r = (await m.exec()) ?? [];
    const seen = uids.map((_, i) => Number(r[2 * i]?.[1] ?? 0) > 0);
    const tabKeys = uids.flatMap((u, i) =>
      seen[i] ? [] : ((r[2 * i + 1]?.[1] as string[]) ?? []).map((t) => [i, K.tab(u, t)] as const),
    );
    if (tabKeys.length) {
      const values = await this.#redis.mget(tabKeys.map(([, k]) => k));
      tabKeys.forEach(([i], j) => {
        if (values[j]) seen[i] = true;
      });
    }
    return seen;
  }

  /** A student's watch sessions of a day: the closed ones and the open tabs (up to their last heartbeat). */
  async sessions(uid: string, date: string): Promise<WatchSession[]> {
    const closed = (await this.#redis.lrange(K.log(uid, date), 0, -1)).map((v) => JSON.parse(v) as Viewing);
    const tabs = await this.#redis.smembers(K.tabs(uid));
    const open = tabs.length
      ? (await this.#redis.mget(tabs.map((t) => K.tab(uid, t)))).flatMap((v) =>
          v ? [JSON.parse(v) as Viewing] : [],
        )
      : [];
    const now = Date.now();
    // A tab still beating is watching right now: its session runs to now.
    const to = (v: Viewing, isOpen: boolean) => (isOpen && v.last >= now - PRESENCE_TTL_MS ? now : v.last);
    return [...closed.map((v) => [v, false] as const), ...open.map((v) => [v, true] as const)].map(
      ([v, isOpen]) => ({
        kind: v.kind,
        ref: v.ref,
        from: v.since,
        to: to(v, isOpen),
        device: v.device,
      }),
    );
  }

  /** Every day log of a student (for export), and deletion. */
  async allLogs(uid: string): Promise<Record<string, WatchSession[]>> {
    const out: Record<string, WatchSession[]> = {};
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `sc:pres:log:${uid}:*`, 'COUNT', 200);
      cursor = next;
      for (const key of keys) out[key.split(':').at(-1)!] = await this.sessions(uid, key.split(':').at(-1)!);
    } while (cursor !== '0');
    return out;
  }

  async deleteAll(uid: string): Promise<number> {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `sc:pres:*:${uid}*`, 'COUNT', 200);
      cursor = next;
      if (keys.length) removed += await this.#redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  }

  async #get(uid: string, tab: string): Promise<Viewing | undefined> {
    const v = await this.#redis.get(K.tab(uid, tab));
    return v ? (JSON.parse(v) as Viewing) : undefined;
  }

  async #close(uid: string, tab: string, date: string): Promise<boolean> {
    const v = await this.#redis.eval(
      CLOSE,
      3,
      K.tab(uid, tab),
      K.tabs(uid),
      K.log(uid, date),
      tab,
      String((await this.#retentionDays()) * 86_400),
    );
    return v !== null;
  }
}
