/**
 * The tus lock shared by every api instance (@tus/server's Locker interface,
 * in Redis): one request at a time writes an upload, whichever instance it
 * reached. The lock is a key with a short expiry (SET NX PX), renewed while
 * held, so an instance killed mid-PATCH frees it within `ttlMs`; a request
 * that finds the upload locked asks the holder, on a Redis channel, to let
 * go (tus: a newer request for an upload supersedes an older, stalled one)
 * and waits for it, up to `acquireTimeoutMs`.
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/server';
import type { Logger } from '../logger.ts';
import { ignore } from '../../core/ignore.ts';

const RELEASE_CHANNEL = 'sc:tus-release';
const key = (id: string) => `sc:tus-lock:${id}`;

/** KEYS[1] lock; ARGV[1] token, ARGV[2] ttl: renews only the holder's own lock. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** KEYS[1] lock; ARGV[1] token: deletes only the holder's own lock. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisLockerOptions {
  redis: Redis;
  /** A connection in subscriber mode (release requests). */
  subscriber: Redis;
  logger: Logger;
  ttlMs?: number;
  acquireTimeoutMs?: number;
}

export class RedisLocker implements Locker {
  readonly o: Required<Omit<RedisLockerOptions, 'logger'>> & { logger: Logger };
  /** Locks held by this instance: how to ask each holder to let go. */
  readonly held = new Map<string, RequestRelease>();

  constructor(o: RedisLockerOptions) {
    this.o = { ttlMs: 10_000, acquireTimeoutMs: 30_000, ...o };
    o.subscriber.on('message', (channel: string, id: string) => {
      if (channel === RELEASE_CHANNEL)
        void Promise.resolve(this.held.get(id)?.()).catch(ignore('a release request', o.logger));
    });
    void o.subscriber.subscribe(RELEASE_CHANNEL).catch(ignore('subscribing while Redis is away', o.logger));
  }

  newLock(id: string): Lock {
    return new RedisLock(this, id);
  }

  close(): void {
    this.o.subscriber.disconnect();
  }
}

class RedisLock implements Lock {
  readonly #locker: RedisLocker;
  readonly #id: string;
  /** Names the holding process (pid), for operators and the cluster test; not a secret. */
  readonly #token = `${process.pid}:${crypto.randomBytes(12).toString('hex')}`;
  #renew?: NodeJS.Timeout;

  constructor(locker: RedisLocker, id: string) {
    this.#locker = locker;
    this.#id = id;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { redis, ttlMs, acquireTimeoutMs } = this.#locker.o;
    const deadline = Date.now() + acquireTimeoutMs;
    for (let asked = false; ;) {
      if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
      if ((await redis.set(key(this.#id), this.#token, 'PX', ttlMs, 'NX')) === 'OK') break;
      if (!asked) {
        await redis.publish(RELEASE_CHANNEL, this.#id);
        asked = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.#locker.held.set(this.#id, requestRelease);
    this.#renew = setInterval(
      () => {
        void redis
          .eval(RENEW, 1, key(this.#id), this.#token, String(ttlMs))
          .catch(ignore('renewing an upload lock while Redis fails over', this.#locker.o.logger));
      },
      Math.floor(ttlMs / 3),
    );
  }

  async unlock(): Promise<void> {
    clearInterval(this.#renew);
    if (this.#locker.held.get(this.#id)) this.#locker.held.delete(this.#id);
    await this.#locker.o.redis.eval(RELEASE, 1, key(this.#id), this.#token);
  }
}
