/**
 * Requests and server errors per minute for the whole district (every api
 * instance): counted in memory, added to a per-minute Redis hash every few
 * seconds (one HINCRBY pair per flush, not per request), kept 15 minutes.
 */
import type { Redis } from 'ioredis';

const key = (minute: number) => `sc:stats:http:${minute}`;

export class RequestStats {
  readonly #redis: Redis;
  #requests = 0;
  #errors = 0;
  #timer?: NodeJS.Timeout;

  constructor(redis: Redis, flushMs = 5000) {
    this.#redis = redis;
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), flushMs);
    this.#timer.unref();
  }

  count(status: number): void {
    this.#requests++;
    if (status >= 500) this.#errors++;
  }

  async flush(now = Date.now()): Promise<void> {
    if (this.#requests === 0) return;
    const [r, e] = [this.#requests, this.#errors];
    this.#requests = 0;
    this.#errors = 0;
    const k = key(Math.floor(now / 60_000));
    await this.#redis.multi().hincrby(k, 'requests', r).hincrby(k, 'errors', e).expire(k, 900).exec();
  }

  /** The last `minutes` minutes (this one included), every instance. */
  async recent(minutes = 5, now = Date.now()): Promise<{ total: number; errors: number; errorRate: number }> {
    const m = Math.floor(now / 60_000);
    const rows = await Promise.all(
      Array.from({ length: minutes }, (_, i) => this.#redis.hmget(key(m - i), 'requests', 'errors')),
    );
    const total = rows.reduce((n, [r]) => n + Number(r ?? 0), 0);
    const errors = rows.reduce((n, [, e]) => n + Number(e ?? 0), 0);
    return { total, errors, errorRate: total ? Math.round((errors / total) * 10000) / 10000 : 0 };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
