/**
 * Private HLS that caches: replay and live-HLS URLs are the same for every
 * viewer (/vod/<lesson>/master.m3u8, /live-hls/<lesson>/…), so one cached copy
 * serves a whole grade; access rides in a short-lived signed cookie that is not
 * part of the URL or of the cache key.
 *
 *   - The cookie (HLS_ACCESS_COOKIE) names the user and the session and expires
 *     after ACCESS_TTL_MS (10 min). The web app renews it every few minutes and
 *     again when a player meets a 401, so playback never stops; a copied cookie
 *     is dead within 10 min, a copied URL is useless without it.
 *   - HlsGate decides whether the cookie may read a lesson's HLS: signature and
 *     expiry (no Redis), then the session still open, the account not switched
 *     off, the lesson visible to this user and (replays) still approved. The
 *     verdict is cached for GATE_TTL_MS (10 s) per cookie and lesson.
 *   - Behind nginx the same verdict answers `auth_request` (GET /api/hls/auth,
 *     cached there for 20 s); nginx caches the HLS itself by URL. Sign-out,
 *     switching an account off and rejecting a lesson therefore stop new
 *     playlist fetches within ~30 s (the bound is 60 s).
 *
 * The token never enters a URL, so access logs (ours and nginx's) cannot leak it.
 * Channels are TV: public, and not behind this gate.
 */
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import { TtlCache } from '../channels/TtlCache.ts';

export const HLS_ACCESS_COOKIE = 'skyclass_hls';
export const ACCESS_TTL_MS = 10 * 60_000;
export const GATE_TTL_MS = 10_000;

export interface AccessClaims {
  userId: string;
  sessionId: string;
  expiresAt: number;
}

const mac = (key: string, userId: string, sessionId: string, exp: number) =>
  crypto
    .createHmac('sha256', key)
    .update(`hls-access\n${userId}\n${sessionId}\n${exp}`)
    .digest('base64url')
    .slice(0, 32);

export function signAccess(key: string, c: AccessClaims): string {
  const exp = Math.floor(c.expiresAt / 1000);
  return `${exp}.${c.userId}.${c.sessionId}.${mac(key, c.userId, c.sessionId, exp)}`;
}

export function verifyAccess(
  key: string,
  token: string | undefined,
  now = Date.now(),
): { userId: string; sessionId: string } | 'expired' | 'invalid' {
  const m =
    token && /^(\d{1,12})\.([A-Za-z0-9_]{1,40})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return 'invalid';
  const exp = Number(m[1]);
  const expected = Buffer.from(mac(key, m[2]!, m[3]!, exp));
  if (!crypto.timingSafeEqual(expected, Buffer.from(m[4]!))) return 'invalid';
  if (exp * 1000 < now) return 'expired';
  return { userId: m[2]!, sessionId: m[3]! };
}

export type HlsKind = 'vod' | 'live';

/** What the gate asks of the rest of the service (each may read Redis). */
export interface HlsGateDeps {
  key: string;
  sessionOpen: (sessionId: string) => Promise<boolean>;
  /** The account, or undefined when it is gone or switched off. */
  activeUser: (userId: string) => Promise<{ id: string } | undefined>;
  /** Whether this user may watch this lesson's HLS now (visible to them; a replay still approved). */
  mayWatch: (userId: string, kind: HlsKind, lessonId: string) => Promise<boolean>;
  now?: () => number;
  gateTtlMs?: number;
}

type Verdict = 'ok' | 'session' | 'account' | 'lesson';

export class HlsGate {
  readonly #d: HlsGateDeps;
  readonly #now: () => number;
  readonly #cache: TtlCache<Verdict>;

  constructor(d: HlsGateDeps) {
    this.#d = d;
    this.#now = d.now ?? Date.now;
    this.#cache = new TtlCache<Verdict>({ max: 50_000, ttlMs: d.gateTtlMs ?? GATE_TTL_MS, now: this.#now });
  }

  /** Resolves when the cookie may read this lesson's HLS; throws the AppError the player should see otherwise. */
  async check(token: string | undefined, kind: HlsKind, lessonId: string): Promise<void> {
    const claims = verifyAccess(this.#d.key, token, this.#now());
    if (claims === 'expired')
      throw new AppError('AUTH_TOKEN_EXPIRED', 'Your viewing pass has expired. Reload the page to continue.');
    if (claims === 'invalid')
      throw new AppError(
        'AUTH_REQUIRED',
        token
          ? 'This viewing pass is not valid. Open the lesson from Skyclass again.'
          : 'Sign in to Skyclass to watch this lesson (lesson videos play only inside Skyclass).',
      );
    const cacheKey = `${kind}\n${lessonId}\n${token}`;
    let verdict = this.#cache.get(cacheKey)?.value;
    if (!verdict) {
      verdict = await this.#decide(claims, kind, lessonId);
      this.#cache.set(cacheKey, verdict);
    }
    switch (verdict) {
      case 'ok':
        return;
      case 'session':
        throw new AppError('AUTH_SESSION_ENDED', 'You have signed out. Please sign in again to watch.');
      case 'account':
        throw new AppError(
          'AUTH_SESSION_ENDED',
          'This account has been switched off by the school. Ask your teacher or school administrator.',
        );
      case 'lesson':
        throw new AppError(
          'FORBIDDEN_SCOPE',
          'This lesson is not available to you (it may have been withdrawn, or it is for another grade).',
        );
    }
  }

  async #decide(c: { userId: string; sessionId: string }, kind: HlsKind, lessonId: string): Promise<Verdict> {
    const [open, user] = await Promise.all([this.#d.sessionOpen(c.sessionId), this.#d.activeUser(c.userId)]);
    if (!open) return 'session';
    if (!user) return 'account';
    return (await this.#d.mayWatch(c.userId, kind, lessonId)) ? 'ok' : 'lesson';
  }
}

/**
 * The lesson and file an HLS URL asks for (/vod/<id>/<path…>, /live-hls/<id>/<path…>): ids and
 * paths are plain names with an allowed extension, so nothing can climb out of the lesson's folder.
 */
export function hlsFile(rawPath: string[] | string, extensions: readonly string[]): string {
  const rel = Array.isArray(rawPath) ? rawPath.join('/') : rawPath;
  const ext = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\.([a-z0-9]+)$/.exec(rel)?.[2];
  if (!ext || !extensions.includes(ext))
    throw new AppError(
      'BAD_REQUEST',
      'This file path is not allowed (HLS playlists, segments and posters only).',
    );
  return rel;
}

/** /vod/<id>/… or /live-hls/<id>/… → kind and lesson id (what nginx's auth_request passes on). */
export function parseHlsUri(uri: string): { kind: HlsKind; lessonId: string } | undefined {
  const m = /^\/(vod|live-hls)\/([A-Za-z0-9_-]{1,64})\//.exec(uri);
  if (!m) return undefined;
  return { kind: m[1] === 'vod' ? 'vod' : 'live', lessonId: m[2]! };
}
