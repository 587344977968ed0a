/**
 * Tokened VOD paths: /vod/<lessonId>/<token>/master.m3u8. The token sits in
 * the path, so every relative URI inside the playlists (renditions, init
 * segments, media segments) carries it too: hls.js, Safari's native player,
 * VLC or ffplay all work without cookies, headers or playlist rewriting.
 */
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';

export interface PlaybackClaims {
  lessonId: string;
  userId: string;
  expiresAt: number;
}

const mac = (key: string, lessonId: string, userId: string, exp: number) =>
  crypto
    .createHmac('sha256', key)
    .update(`vod\n${lessonId}\n${userId}\n${exp}`)
    .digest('base64url')
    .slice(0, 32);

export function signPlayback(key: string, c: PlaybackClaims): string {
  const exp = Math.floor(c.expiresAt / 1000);
  return `${exp}.${c.userId}.${mac(key, c.lessonId, c.userId, exp)}`;
}

export function verifyPlayback(
  key: string,
  lessonId: string,
  token: string,
  now = Date.now(),
): 'ok' | 'expired' | 'invalid' {
  const m = /^(\d{1,12})\.([A-Za-z0-9_]{1,40})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return 'invalid';
  const exp = Number(m[1]);
  const expected = Buffer.from(mac(key, lessonId, m[2]!, exp));
  if (!crypto.timingSafeEqual(expected, Buffer.from(m[3]!))) return 'invalid';
  return exp * 1000 < now ? 'expired' : 'ok';
}

/**
 * The file a tokened HLS URL asks for (/<prefix>/<id>/<token>/<path…>), once the
 * token is checked for that id and the path is a plain relative name with one of
 * the allowed extensions. Throws the AppError the player should see otherwise.
 */
export function tokenedHlsFile(
  key: string,
  id: string,
  token: string,
  rawPath: string[] | string,
  extensions: readonly string[],
  messages: { expired: string; invalid: string },
): string {
  const rel = Array.isArray(rawPath) ? rawPath.join('/') : rawPath;
  const verdict = verifyPlayback(key, id, token);
  if (verdict === 'expired') throw new AppError('AUTH_TOKEN_EXPIRED', messages.expired);
  if (verdict !== 'ok') throw new AppError('FORBIDDEN_SCOPE', messages.invalid);
  const ext = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.([a-z0-9]+)$/.exec(rel)?.[2];
  if (!ext || !extensions.includes(ext)) throw new AppError('BAD_REQUEST', 'This file path is not allowed.');
  return rel;
}
