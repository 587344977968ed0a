import type { Request } from 'express';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { cookieValue, SESSION_COOKIE } from '../authenticate.ts';
import { DEVICE_COOKIE } from '../../auth/LoginGuard.ts';
import { clearHlsAccess, grantHlsAccess } from './hlsRoutes.ts';

export function registerAuthRoutes(r: RouteRegistry, deps: AppDeps): void {
  const cookieFlags = { httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies, path: '/' };

  r.add('POST /api/auth/login', {
    tag: 'auth',
    summary:
      'Sign in with username and password (429 + Retry-After when rate-limited; see the README for the limits)',
    auth: 'public',
    async handler({ body, req, res }) {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const username = body.username.trim().toLowerCase();
      try {
        await deps.loginGuard.admit(ip);
        const user = await deps.store.findByUsername(username);
        const knownDevice = !!user && deps.loginGuard.isKnownDevice(cookieValue(req, DEVICE_COOKIE), user.id);
        await deps.loginGuard.check(username, ip, knownDevice);
        // An unknown username costs one KDF run too, so timing does not tell which usernames exist.
        const ok = await deps.passwords.verify(body.password, user?.passwordHash);
        if (!user || !ok) {
          await deps.loginGuard.recordFailure(username, ip);
          deps.metrics.logins.inc({ result: 'failure' });
          throw new AppError('AUTH_BAD_CREDENTIALS', 'Wrong username or password. Check both and try again.');
        }
        if (user.disabled) {
          deps.metrics.logins.inc({ result: 'disabled' });
          throw new AppError(
            'AUTH_ACCOUNT_DISABLED',
            'This account has been switched off by the school. Ask your teacher or school administrator.',
          );
        }
        await deps.loginGuard.recordSuccess(username, ip);
        const session = await deps.sessions.create(user.id);
        deps.metrics.logins.inc({ result: 'success' });
        res.cookie(SESSION_COOKIE, session.token, { ...cookieFlags, expires: new Date(session.expiresAt) });
        // The HLS viewing pass rides along, so posters and players work from the first page.
        (req as Request & { sessionId?: string }).sessionId = session.sessionId;
        grantHlsAccess(deps, req, res, user);
        res.cookie(DEVICE_COOKIE, deps.loginGuard.deviceCookie(user.id), {
          ...cookieFlags,
          maxAge: 365 * 86400_000,
        });
        const { passwordHash: _h, ...publicUser } = user;
        return {
          token: session.token,
          expiresAt: new Date(session.expiresAt).toISOString(),
          user: publicUser,
        };
      } catch (e) {
        if (e instanceof AppError && e.code === 'RATE_LIMITED')
          deps.metrics.logins.inc({ result: 'limited' });
        throw e;
      }
    },
  });

  r.add('POST /api/auth/logout', {
    tag: 'auth',
    summary: 'Sign out (ends this session)',
    auth: 'any',
    async handler({ req, res, user }) {
      const sessionId = (req as Request & { sessionId?: string }).sessionId!;
      await deps.sessions.end(sessionId, user.id);
      res.clearCookie(SESSION_COOKIE, {
        path: '/',
        secure: deps.secureCookies,
        httpOnly: true,
        sameSite: 'lax',
      });
      clearHlsAccess(deps, res);
      return { ok: true };
    },
  });

  r.add('GET /api/me', {
    tag: 'auth',
    summary: 'The signed-in user',
    auth: 'any',
    handler: ({ user }) => ({ user }),
  });
}
