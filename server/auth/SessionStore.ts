import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import { newSessionId, signToken, verifyToken } from './tokens.ts';

const K = {
  secret: 'sc:secret:session',
  session: (sid: string) => `sc:session:${sid}`,
  userSessions: (uid: string) => `sc:user:${uid}:sessions`,
};

/** The session secret: the configured one, or one generated once and shared through Redis by every instance. */
export async function resolveSessionSecret(redis: Redis, configured?: string): Promise<string> {
  if (configured) return configured;
  await redis.set(K.secret, crypto.randomBytes(48).toString('base64url'), 'NX');
  const secret = await redis.get(K.secret);
  if (!secret) throw new Error('session secret missing from Redis');
  return secret;
}

/** What SessionStore publishes when sessions end, so every instance closes their sockets at once. */
export type SessionEnded = { sessionId: string } | { userId: string };

export class SessionStore {
  /** Redis pub/sub channel of SessionEnded messages (JSON). */
  static readonly ENDED_CHANNEL = 'sc:sessions:ended';

  readonly #redis: Redis;
  readonly #secret: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, secret: string, ttlMs: number) {
    this.#redis = redis;
    this.#secret = secret;
    this.#ttlMs = ttlMs;
  }

  async create(
    userId: string,
    now = Date.now(),
  ): Promise<{ token: string; expiresAt: number; sessionId: string }> {
    const sessionId = newSessionId();
    const expiresAt = now + this.#ttlMs;
    await this.#redis
      .multi()
      .set(K.session(sessionId), userId, 'PX', this.#ttlMs)
      .sadd(K.userSessions(userId), sessionId)
      .pexpire(K.userSessions(userId), this.#ttlMs)
      .exec();
    return { token: signToken(this.#secret, { sessionId, expiresAt }), expiresAt, sessionId };
  }

  /** Returns the user id behind a token, or throws a typed 401. */
  async resolve(token: string): Promise<{ userId: string; sessionId: string }> {
    const { sessionId } = verifyToken(this.#secret, token);
    const userId = await this.#redis.get(K.session(sessionId));
    if (!userId) {
      throw new AppError(
        'AUTH_SESSION_ENDED',
        'This session has ended (signed out or password changed). Please sign in again.',
      );
    }
    return { userId, sessionId };
  }

  async end(sessionId: string, userId: string): Promise<void> {
    await this.#redis
      .multi()
      .del(K.session(sessionId))
      .srem(K.userSessions(userId), sessionId)
      .publish(SessionStore.ENDED_CHANNEL, JSON.stringify({ sessionId } satisfies SessionEnded))
      .exec();
  }

  /** Whether a session is still open (every socket event asks). */
  async isActive(sessionId: string): Promise<boolean> {
    return (await this.#redis.exists(K.session(sessionId))) === 1;
  }

  /** Ends every session of a user (password reset, account switched off or erased), sockets included. */
  async endAll(userId: string): Promise<number> {
    const ids = await this.#redis.smembers(K.userSessions(userId));
    const tx = this.#redis.multi();
    if (ids.length > 0) tx.del(...ids.map(K.session));
    await tx
      .del(K.userSessions(userId))
      .publish(SessionStore.ENDED_CHANNEL, JSON.stringify({ userId } satisfies SessionEnded))
      .exec();
    return ids.length;
  }
}
