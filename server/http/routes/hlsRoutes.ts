/**
 * Replay and live HLS at URLs shared by every viewer, behind the HLS access
 * cookie (server/lessons/hlsAccess.ts): the files themselves, the
 * `auth_request` answer nginx caches in front of them, and the endpoint the web
 * app calls to renew its pass.
 */
import type { Request, Response } from 'express';
import { AppError } from '../../errors.ts';
import type { User } from '../../district/model.ts';
import { ACCESS_TTL_MS, HLS_ACCESS_COOKIE, parseHlsUri, signAccess } from '../../lessons/hlsAccess.ts';
import { cookieValue } from '../authenticate.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { hlsOriginFor } from '../hlsOrigin.ts';

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
  const origin = hlsOriginFor(deps);

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
      const target = parseHlsUri(req.get('x-original-uri') ?? '');
      if (!target) throw new AppError('BAD_REQUEST', 'X-Original-URI must be a /vod/… or /live-hls/… path.');
      await origin.gate.check(cookieValue(req, HLS_ACCESS_COOKIE), target.kind, target.lessonId);
      res.set('Cache-Control', 'no-store').status(204).end();
    },
  });

  // The service answers these on its lean path (hlsOrigin.ts) before express; the routes document them
  // and serve an app mounted without it (the same code).
  r.raw({
    method: 'get',
    path: '/vod/:lessonId/*path',
    produces: ['application/vnd.apple.mpegurl', 'video/mp4', 'video/iso.segment', 'video/mp2t', 'image/jpeg'],
    tag: 'lessons',
    summary:
      'Replay HLS (playlists, init and media segments, poster); the same URL for every viewer, access by the viewing-pass cookie',
    auth: 'public',
    handler: ({ req, res, params, rest }) => origin.serve(req, res, 'vod', params.lessonId, rest),
  });

  r.raw({
    method: 'get',
    path: '/live-hls/:lessonId/*path',
    produces: ['application/vnd.apple.mpegurl', 'video/mp4', 'video/iso.segment'],
    tag: 'live',
    summary:
      'Live HLS (playlists and segments); the same URL for every viewer, access by the viewing-pass cookie',
    auth: 'public',
    handler: ({ req, res, params, rest }) => origin.serve(req, res, 'live', params.lessonId, rest),
  });
}
