/** Password hashing with scrypt (a memory-hard KDF), self-describing so the cost can change over time. */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

/** The key derivation: scrypt on libuv's pool by default, or on PasswordHasher's worker threads. */
export type Derive = (
  pw: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;

const scrypt = promisify(crypto.scrypt) as Derive;

const KEYLEN = 32;

export async function hashPassword(
  password: string,
  costLog2: number,
  derive: Derive = scrypt,
): Promise<string> {
  const N = 2 ** costLog2;
  const r = 8;
  const p = 1;
  const salt = crypto.randomBytes(16);
  const key = await derive(password.normalize('NFC'), salt, KEYLEN, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
  return `scrypt$${costLog2}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(
  password: string,
  stored: string,
  derive: Derive = scrypt,
): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, costS, rS, pS, saltS, keyS] = parts as [string, string, string, string, string, string];
  const N = 2 ** Number(costS);
  const r = Number(rS);
  const p = Number(pS);
  const expected = Buffer.from(keyS, 'base64url');
  const key = await derive(password.normalize('NFC'), Buffer.from(saltS, 'base64url'), expected.length, {
    N,
    r,
    p,
    maxmem: 256 * N * r + 1024 * 1024,
  });
  return crypto.timingSafeEqual(key, expected);
}

export { passwordProblem } from '../../contracts/district.ts';

/** A readable random password for a student: no 0/O/1/l confusion. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
