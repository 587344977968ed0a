/**
 * Replay and live HLS at URLs shared by every viewer, behind the HLS access
 * cookie (server/lessons/hlsAccess.ts): the files themselves, the
 * `auth_request` answer nginx caches in front of them, and the endpoint the web
 * app calls to renew its pass.
 */
import type { Request, Response } from 'express';
import { AppError, notFound } from '../../errors.ts';
import type { User } from '../../district/model.ts';
import { gradesOf } from '../../district/gradesOf.ts';
import { canViewLesson } from '../../lessons/lessonPolicy.ts';
import { canWatchLive } from '../../live/livePolicy.ts';
import {
  ACCESS_TTL_MS,
  HLS_ACCESS_COOKIE,
  HlsGate,
  hlsFile,
  parseHlsUri,
  signAccess,
} from '../../lessons/hlsAccess.ts';
import { cookieValue } from '../authenticate.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { serveObject } from '../serveObject.ts';

/** Sets (renews) the HLS access cookie for this signed-in session; returns when it expires. */
export function grantHlsAccess(
  deps: Pick<AppDeps, 'urlSigningKey' | 'secureCookies'>,
  req: Request,
  res: Response,
  user: User,
): string {
  const sessionId = (req as Request & { sessionId?: string }).sessionId;
  if (!sessionId) throw new AppError('AUTH_REQUIRED', 'Please sign in first.');
  const expiresAt = Date.now() + ACCESS_TTL_MS;
  res.cookie(HLS_ACCESS_COOKIE, signAccess(deps.urlSigningKey, { userId: user.id, sessionId, expiresAt }), {
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.secureCookies,
    path: '/',
    maxAge: ACCESS_TTL_MS,
  });
  return new Date(expiresAt).toISOString();
}

export function clearHlsAccess(deps: Pick<AppDeps, 'secureCookies'>, res: Response): void {
  res.clearCookie(HLS_ACCESS_COOKIE, {
    path: '/',
    secure: deps.secureCookies,
    httpOnly: true,
    sameSite: 'lax',
  });
}

export function registerHlsRoutes(r: RouteRegistry, deps: AppDeps): void {
  const gate = new HlsGate({
    key: deps.urlSigningKey,
    sessionOpen: (sid) => deps.sessions.isActive(sid),
    activeUser: async (id) => {
      const u = await deps.store.getUser(id);
      return u && !u.disabled ? u : undefined;
    },
    mayWatch: async (userId, kind, lessonId) => {
      const user = await deps.store.getUser(userId);
      if (!user) return false;
      if (kind === 'vod') {
        const l = await deps.lessons.get(lessonId);
        return !!l && l.status === 'ready' && canViewLesson(user, l, await gradesOf(deps.store, user));
      }
      const l = await deps.live.get(lessonId);
      return !!l && canWatchLive(user, l, await gradesOf(deps.store, user));
    },
  });
  const passOf = (req: Request) => cookieValue(req, HLS_ACCESS_COOKIE);

  r.add('POST /api/hls/access', {
    tag: 'lessons',
    summary:
      'Renew this session’s HLS viewing pass (an HttpOnly cookie, 10 min; replay and live-HLS URLs carry no token)',
    auth: 'any',
    handler: ({ req, res, user }) => Promise.resolve({ expiresAt: grantHlsAccess(deps, req, res, user) }),
  });

  r.raw({
    method: 'get',
    path: '/api/hls/auth',
    produces: ['application/json'],
    tag: 'lessons',
    summary:
      'For a cache in front (nginx auth_request): 204 when the viewing pass may read X-Original-URI, 401/403 otherwise',
    auth: 'public',
    async handler({ req, res }) {
      const uri = req.get('x-original-uri') ?? '';
      const target = parseHlsUri(uri);
      if (!target) throw new AppError('BAD_REQUEST', 'X-Original-URI must be a /vod/… or /live-hls/… path.');
      await gate.check(passOf(req), target.kind, target.lessonId);
      res.set('Cache-Control', 'no-store').status(204).end();
    },
  });

  r.raw({
    method: 'get',
    path: '/vod/:lessonId/*path',
    produces: ['application/vnd.apple.mpegurl', 'video/mp4', 'video/iso.segment', 'video/mp2t', 'image/jpeg'],
    tag: 'lessons',
    summary:
      'Replay HLS (playlists, init and media segments, poster); the same URL for every viewer, access by the viewing-pass cookie',
    auth: 'public',
    async handler({ req, res, params, rest }) {
      const rel = hlsFile(rest, ['m3u8', 'm4s', 'mp4', 'ts', 'jpg']);
      await gate.check(passOf(req), 'vod', params.lessonId);
      const l = await deps.lessons.get(params.lessonId);
      if (!l || l.status !== 'ready') throw notFound(`Lesson ${params.lessonId}`);
      // Playlists can change (a re-processed lesson); segments never do under the same name.
      const cache = rel.endsWith('.m3u8') ? 'private, max-age=60' : 'private, max-age=31536000, immutable';
      await serveObject(req, res, deps.storage, `${l.hlsPrefix ?? `vod/${l.id}`}/${rel}`, cache);
    },
  });

  r.raw({
    method: 'get',
    path: '/live-hls/:lessonId/*path',
    produces: ['application/vnd.apple.mpegurl', 'video/mp4', 'video/iso.segment'],
    tag: 'live',
    summary:
      'Live HLS (playlists and segments); the same URL for every viewer, access by the viewing-pass cookie',
    auth: 'public',
    async handler({ req, res, params, rest }) {
      const rel = hlsFile(rest, ['m3u8', 'm4s', 'mp4']);
      await gate.check(passOf(req), 'live', params.lessonId);
      // Live playlists change every segment; segments never change.
      const cache = rel.endsWith('.m3u8') ? 'no-cache' : 'private, max-age=31536000, immutable';
      await serveObject(req, res, deps.storage, `live/${params.lessonId}/${rel}`, cache);
    },
  });
}
