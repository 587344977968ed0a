/**
 * Session tokens: "<sessionId>.<expiresAtSeconds>.<hmac>". The HMAC tells a
 * forged token from a real one without a Redis round trip, the expiry is
 * checked before the session record, and the record (in Redis) lets logout
 * and password resets end a session at once.
 */
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

export interface TokenClaims {
  sessionId: string;
  expiresAt: number; // ms since epoch
}

function mac(secret: string, payload: string): string {
  return crypto.createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signToken(secret: string, claims: TokenClaims): string {
  const payload = `${claims.sessionId}.${Math.floor(claims.expiresAt / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyToken(secret: string, token: string, now = Date.now()): TokenClaims {
  const parts = token.split('.');
  const forged = () =>
    new AppError(
      'AUTH_TOKEN_INVALID',
      'This sign-in token is not valid (it was not issued by Skyclass). Please sign in again.',
    );
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]{16,64}$/.test(parts[0]!) || !/^\d{1,12}$/.test(parts[1]!))
    throw forged();
  const expected = Buffer.from(mac(secret, `${parts[0]}.${parts[1]}`));
  const given = Buffer.from(parts[2]!);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw forged();
  const expiresAt = Number(parts[1]) * 1000;
  if (expiresAt <= now) {
    throw new AppError('AUTH_TOKEN_EXPIRED', 'Your sign-in has expired. Please sign in again.');
  }
  return { sessionId: parts[0]!, expiresAt };
}

export function newSessionId(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** A key derived from the session secret for another purpose (signed URLs), so one cannot stand in for the other. */
export function deriveKey(secret: string, purpose: string): string {
  return crypto.createHmac('sha256', secret).update(`skyclass:${purpose}`).digest('base64url');
}
