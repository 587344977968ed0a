/** HMAC-signed download links for objects the server itself serves (local storage). */
import crypto from 'node:crypto';

export function signPath(key: string, path: string, expiresAtSec: number): string {
  return crypto.createHmac('sha256', key).update(`${path}\n${expiresAtSec}`).digest('base64url');
}

export function verifySignedPath(
  key: string,
  path: string,
  exp: string | undefined,
  sig: string | undefined,
  nowMs = Date.now(),
): 'ok' | 'expired' | 'invalid' {
  if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'invalid';
  const expected = Buffer.from(signPath(key, path, Number(exp)));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return 'invalid';
  return Number(exp) * 1000 < nowMs ? 'expired' : 'ok';
}
