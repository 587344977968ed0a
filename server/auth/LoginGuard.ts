/**
 * What stands in front of the password check, so that logins cannot be used
 * against the service or against someone else's account:
 *
 * - a per-address limit (attempts per minute) and a global limit (attempts
 *   per second across every instance), counted in Redis;
 * - lockout keyed on username + client address: ten wrong passwords from one
 *   address lock that address out of that account for 15 minutes, and nobody
 *   else (a stranger cannot lock a teacher out of their own account);
 * - against distributed guessing (many addresses, one username), a slower
 *   per-username backoff: past a threshold the account accepts one attempt per
 *   10 s, except from browsers it has signed in on before (a signed device
 *   cookie, OWASP's "device cookie" pattern), so the owner still gets in.
 *
 * A password reset clears every counter of the account (clear()).
 */
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { rateLimited } from '../errors.ts';

export interface LoginLimits {
  perIpPerMinute: number;
  globalPerSecond: number;
  lockAfter: number;
  userBackoffAfter: number;
}

const FAILURE_WINDOW_S = 15 * 60;
const USER_BACKOFF_MS = 10_000;

const K = {
  ip: (ip: string, minute: number) => `sc:login:ip:${ip}:${minute}`,
  all: (second: number) => `sc:login:all:${second}`,
  failures: (username: string) => `sc:login:fail:${username}`,
  slot: (username: string) => `sc:login:slot:${username}`,
};

export const DEVICE_COOKIE = 'skyclass_device';

export class LoginGuard {
  readonly #redis: Redis;
  readonly #limits: LoginLimits;
  readonly #deviceKey: string;

  constructor(redis: Redis, limits: LoginLimits, deviceKey: string) {
    this.#redis = redis;
    this.#limits = limits;
    this.#deviceKey = deviceKey;
  }

  /** Counts this attempt against the address and the whole service; throws 429 beyond either limit. */
  async admit(ip: string, now = Date.now()): Promise<void> {
    const minute = Math.floor(now / 60_000);
    const second = Math.floor(now / 1000);
    const res = await this.#redis
      .multi()
      .incr(K.ip(ip, minute))
      .expire(K.ip(ip, minute), 120)
      .incr(K.all(second))
      .expire(K.all(second), 5)
      .get(K.ip(ip, minute - 1))
      .exec();
    // A sliding minute: the previous minute's attempts count for the part of it still inside the
    // last 60 s, so a burst across a minute boundary does not get twice the limit.
    const previous = Number(res?.[4]?.[1] ?? 0);
    const perIp = Number(res?.[0]?.[1] ?? 0) + previous * (1 - (now % 60_000) / 60_000);
    const global = Number(res?.[2]?.[1] ?? 0);
    if (perIp > this.#limits.perIpPerMinute) {
      throw rateLimited(
        'Too many sign-in attempts from this network. Wait a minute and try again.',
        (60_000 - (now % 60_000)) / 1000,
      );
    }
    if (global > this.#limits.globalPerSecond) {
      throw rateLimited('Many people are signing in right now. Wait a few seconds and try again.', 1);
    }
  }

  /**
   * Whether this address may try a password for this username now. `knownDevice`:
   * the browser showed a device cookie of this account.
   */
  async check(username: string, ip: string, knownDevice: boolean, now = Date.now()): Promise<void> {
    const [fromIp, total] = await this.#redis.hmget(K.failures(username), `ip:${ip}`, 'total');
    if (Number(fromIp ?? 0) >= this.#limits.lockAfter) {
      const ttl = await this.#redis.ttl(K.failures(username));
      throw rateLimited(
        'Too many wrong passwords for this account from this device. Wait 15 minutes or ask your teacher to reset the password.',
        ttl > 0 ? ttl : FAILURE_WINDOW_S,
      );
    }
    if (!knownDevice && Number(total ?? 0) >= this.#limits.userBackoffAfter) {
      // One attempt per USER_BACKOFF_MS for this account from browsers it never signed in on.
      const ok = await this.#redis.set(K.slot(username), String(now), 'PX', USER_BACKOFF_MS, 'NX');
      if (ok !== 'OK') {
        const left = await this.#redis.pttl(K.slot(username));
        throw rateLimited(
          'This account had many wrong passwords recently, so sign-ins are slowed down. Wait a few seconds and try again, or ask your teacher to reset the password.',
          (left > 0 ? left : USER_BACKOFF_MS) / 1000,
        );
      }
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.#redis
      .multi()
      .hincrby(K.failures(username), `ip:${ip}`, 1)
      .hincrby(K.failures(username), 'total', 1)
      .expire(K.failures(username), FAILURE_WINDOW_S)
      .exec();
  }

  /** After a successful sign-in from this address: its failures are forgiven (others' stay). */
  async recordSuccess(username: string, ip: string): Promise<void> {
    await this.#redis.hdel(K.failures(username), `ip:${ip}`);
  }

  /** A password reset: every lockout and backoff of the account ends. */
  async clear(username: string): Promise<void> {
    await this.#redis.del(K.failures(username), K.slot(username));
  }

  /** The device cookie value for a user (HMAC, so it cannot be made up). */
  deviceCookie(userId: string): string {
    return `${userId}.${this.#mac(userId)}`;
  }

  isKnownDevice(cookieValue: string | undefined, userId: string): boolean {
    if (!cookieValue) return false;
    const dot = cookieValue.lastIndexOf('.');
    if (dot < 0 || cookieValue.slice(0, dot) !== userId) return false;
    const expected = Buffer.from(this.#mac(userId));
    const given = Buffer.from(cookieValue.slice(dot + 1));
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  #mac(userId: string): string {
    return crypto.createHmac('sha256', this.#deviceKey).update(`device\n${userId}`).digest('base64url');
  }
}
