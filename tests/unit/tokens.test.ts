import { describe, expect, it } from 'vitest';
import { deriveKey, newSessionId, signToken, verifyToken } from '../../server/auth/tokens.ts';
import {
  hashPassword,
  passwordProblem,
  verifyPassword,
  generatePassword,
} from '../../server/auth/passwords.ts';

const SECRET = 'x'.repeat(40);

describe('session tokens', () => {
  it('round-trips', () => {
    const sessionId = newSessionId();
    const expiresAt = Date.now() + 60_000;
    const claims = verifyToken(SECRET, signToken(SECRET, { sessionId, expiresAt }));
    expect(claims.sessionId).toBe(sessionId);
    expect(Math.abs(claims.expiresAt - expiresAt)).toBeLessThan(1000);
  });

  it('rejects a token signed with another secret, tampered or garbage as AUTH_TOKEN_INVALID', () => {
    const good = signToken(SECRET, { sessionId: newSessionId(), expiresAt: Date.now() + 60_000 });
    const [sid, exp, sig] = good.split('.') as [string, string, string];
    for (const bad of [
      signToken('y'.repeat(40), { sessionId: sid, expiresAt: Date.now() + 60_000 }),
      `${sid}.${Number(exp) + 1000}.${sig}`,
      `${sid}.${exp}.${sig.slice(0, -2)}AA`,
      'not-a-token',
      '',
      `${sid}.${exp}`,
    ]) {
      expect(() => verifyToken(SECRET, bad), bad).toThrow(
        expect.objectContaining({ code: 'AUTH_TOKEN_INVALID' }),
      );
    }
  });

  it('rejects an expired token as AUTH_TOKEN_EXPIRED', () => {
    const t = signToken(SECRET, { sessionId: newSessionId(), expiresAt: Date.now() - 1000 });
    expect(() => verifyToken(SECRET, t)).toThrow(
      expect.objectContaining({ code: 'AUTH_TOKEN_EXPIRED', status: 401 }),
    );
  });

  it('derives distinct keys per purpose', () => {
    expect(deriveKey(SECRET, 'a')).not.toBe(deriveKey(SECRET, 'b'));
    expect(deriveKey(SECRET, 'a')).toBe(deriveKey(SECRET, 'a'));
  });
});

describe('passwords', () => {
  it('hashes with scrypt, verifies, and refuses a wrong password', async () => {
    const h = await hashPassword('correct horse', 10);
    expect(h).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('wrong horse', h)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
    expect(await hashPassword('correct horse', 10)).not.toBe(h); // salted
  });

  it('checks password rules and generates readable passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least 8/);
    expect(passwordProblem('long enough')).toBeUndefined();
    const p = generatePassword();
    expect(p).toMatch(/^[a-km-np-z2-9]{10}$/);
  });
});
