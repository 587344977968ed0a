/**
 * The Redis-backed scheduler. It runs in every server instance; exactly one
 * is the leader (a Redis lock with a TTL, renewed while alive, and a
 * fencing token taken from an INCR at each election). The leader fires
 * every switch of the channels at its time: a Lua script checks that it is
 * still the leader with the current fencing token and marks the switch as
 * fired (SET NX) in the same step, so a switch fires once — never twice,
 * and one that fell due while no leader was alive (a restart) is fired on
 * the next election, within the catch-up window. A fired switch is
 * emitted ('fired') to the service, which tells the channel's open pages
 * (socket.io `channel:switch`, so a timetable edited during the day
 * reaches them at the moment it matters) and records its lateness in a
 * histogram (/metrics); it is also appended to a Redis stream capped at
 * about 100,000 entries, the durable record of what fired when (the
 * scheduler test and the benchmark read it). The playlists themselves
 * need no switch: they are computed from the timetable and the clock.
 * All state is in Redis.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { ignore } from '../../core/ignore.ts';

export interface Switch {
  /** Stable id: the same switch always has the same id (e.g. "grade-3|2026-11-23T00:00:00Z|slot_x|start"). */
  id: string;
  channel: string;
  at: number;
  kind: 'start' | 'end';
  slotId: string;
}

export interface SchedulerOptions {
  redis: Redis;
  /** The switches in [from, to] (ms since epoch); read from the timetable on every planning pass. */
  switches: (from: number, to: number) => Promise<Switch[]>;
  lockTtlMs?: number;
  /** Switches that fell due at most this long ago are still fired (after a failover). */
  catchUpMs?: number;
  /** Re-plan at least this often (timetable edits also trigger a re-plan at once). */
  replanMs?: number;
  now?: () => number;
  /**
   * Redis has replicas (Sentinel): a fired switch is acknowledged by a replica (WAIT) before it is
   * announced, so a failover right after it cannot lose the mark and fire it a second time.
   */
  replicated?: boolean;
  /** Key prefix (default sc:sched): schedulers with another prefix are independent (tests). */
  namespace?: string;
}

const keys = (ns: string) => ({
  leader: `${ns}:leader`,
  fence: `${ns}:fence`,
  fired: (id: string) => `${ns}:fired:${id}`,
  events: `${ns}:events`,
});

/** KEYS: leader, fired, events; ARGV: me, fence, switch fields… */
const FIRE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if tonumber(redis.call('GET', KEYS[4])) ~= tonumber(ARGV[2]) then return -2 end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', 172800) then return 0 end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 100000, '*', 'id', ARGV[3], 'channel', ARGV[4], 'kind', ARGV[5], 'slot', ARGV[6], 'at', ARGV[7], 'firedAt', ARGV[8], 'fence', ARGV[2])
return 1
`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

interface SchedulerEvents {
  leader: [fence: number];
  follower: [];
  fired: [s: Switch, latenessMs: number];
}

/** Lateness samples kept (a day of switches for 100 channels fits). */
export const LATENESS_KEPT = 10_000;

export class Scheduler extends EventEmitter<SchedulerEvents> {
  readonly id = crypto.randomBytes(6).toString('hex');
  readonly #o: Required<Omit<SchedulerOptions, 'now'>> & { now: () => number };
  readonly #k: ReturnType<typeof keys>;
  #fence = 0;
  #leader = false;
  #stopped = false;
  #electTimer?: NodeJS.Timeout;
  #fireTimer?: NodeJS.Timeout;
  #planTimer?: NodeJS.Timeout;
  #pending: Switch[] = [];
  /** How late each fired switch was (ms), the newest LATENESS_KEPT only (bounded; the benchmark reads it). */
  readonly lateness: number[] = [];

  constructor(o: SchedulerOptions) {
    super();
    this.#o = {
      lockTtlMs: 3000,
      catchUpMs: 10 * 60_000,
      replanMs: 30_000,
      now: Date.now,
      replicated: false,
      namespace: 'sc:sched',
      ...o,
    };
    this.#k = keys(this.#o.namespace);
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  get fence(): number {
    return this.#fence;
  }

  start(): void {
    void this.#elect();
  }

  /** Re-reads the timetable now (call after an edit). */
  replan(): void {
    if (this.#leader) void this.#plan();
  }

  async #elect(): Promise<void> {
    if (this.#stopped) return;
    const { redis, lockTtlMs } = this.#o;
    try {
      if (this.#leader) {
        const ok = (await redis.eval(RENEW, 1, this.#k.leader, this.id, String(lockTtlMs))) as number;
        if (!ok) this.#demote();
      } else if (await redis.set(this.#k.leader, this.id, 'PX', lockTtlMs, 'NX')) {
        this.#fence = await redis.incr(this.#k.fence);
        this.#leader = true;
        this.emit('leader', this.#fence);
        await this.#plan();
      }
    } catch {
      // Redis unreachable: stop acting as leader; the lock expires and another instance takes over.
      if (this.#leader) this.#demote();
    }
    this.#electTimer = setTimeout(() => void this.#elect(), Math.max(200, Math.floor(lockTtlMs / 3)));
  }

  #demote(): void {
    this.#leader = false;
    clearTimeout(this.#fireTimer);
    clearTimeout(this.#planTimer);
    this.emit('follower');
  }

  async #plan(): Promise<void> {
    if (!this.#leader || this.#stopped) return;
    const now = this.#o.now();
    clearTimeout(this.#planTimer);
    let list: Switch[];
    try {
      list = await this.#o.switches(now - this.#o.catchUpMs, now + this.#o.replanMs * 2);
    } catch {
      // Redis failing over (or the service stopping): keep the plan we have and read again soon.
      if (this.#stopped || !this.#leader) return;
      this.#planTimer = setTimeout(() => void this.#plan(), Math.min(1000, this.#o.replanMs));
      return;
    }
    if (this.#stopped || !this.#leader) return;
    this.#pending = list.sort((a, b) => a.at - b.at);
    this.#planTimer = setTimeout(() => void this.#plan(), this.#o.replanMs);
    this.#arm();
  }

  /** Sleeps until the next switch is due (timers are precise to a few ms), then fires what is due. */
  #arm(): void {
    clearTimeout(this.#fireTimer);
    if (!this.#leader || this.#stopped) return;
    const next = this.#pending[0];
    if (!next) return;
    const wait = Math.max(0, next.at - this.#o.now());
    this.#fireTimer = setTimeout(() => void this.#fireDue(), Math.min(wait, 2 ** 31 - 1));
  }

  async #fireDue(): Promise<void> {
    const now = this.#o.now();
    while (this.#leader && this.#pending[0] && this.#pending[0].at <= now) {
      const s = this.#pending.shift()!;
      const firedAt = this.#o.now();
      const r = (await this.#o.redis
        .eval(
          FIRE,
          4,
          this.#k.leader,
          this.#k.fired(s.id),
          this.#k.events,
          this.#k.fence,
          this.id,
          String(this.#fence),
          s.id,
          s.channel,
          s.kind,
          s.slotId,
          String(s.at),
          String(firedAt),
        )
        .catch(() => -3)) as number;
      if (r === 1 && this.#o.replicated) {
        // Not on a replica yet (the primary died just now): the next leader decides; announce nothing here.
        const acked = await this.#o.redis.wait(1, 250).catch(() => -1);
        if (acked < 0) {
          this.#demote();
          return;
        }
      }
      if (r === 1) {
        const late = firedAt - s.at;
        this.lateness.push(late);
        if (this.lateness.length > LATENESS_KEPT)
          this.lateness.splice(0, this.lateness.length - LATENESS_KEPT);
        this.emit('fired', s, late);
      } else if (r < 0) {
        this.#demote(); // lost the lock (or the fence moved on): another instance is the leader now
        return;
      }
    }
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#electTimer);
    clearTimeout(this.#fireTimer);
    clearTimeout(this.#planTimer);
    if (this.#leader) {
      // Hand over at once instead of waiting for the TTL.
      await this.#o.redis
        .eval(
          `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
          1,
          this.#k.leader,
          this.id,
        )
        .catch(ignore('handing over the lease early (it expires by itself)'));
      this.#leader = false;
    }
  }

  /** The fired switches in the stream (the record of what fired when, with its fencing token). */
  static async events(redis: Redis, count = 1000, namespace = 'sc:sched'): Promise<Record<string, string>[]> {
    const rows = (await redis.xrange(keys(namespace).events, '-', '+', 'COUNT', count)) as [
      string,
      string[],
    ][];
    return rows.map(([, f]) =>
      Object.fromEntries(Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i]!, f[2 * i + 1]!])),
    );
  }
}
