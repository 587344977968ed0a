import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { SESSION_COOKIE } from '../authenticate.ts';

const MAX_FAILURES = 10;
const FAILURE_WINDOW_S = 15 * 60;

export function registerAuthRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.add({
    method: 'post',
    path: '/api/auth/login',
    tag: 'auth',
    summary: 'Sign in with username and password',
    auth: 'public',
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    async handler({ body, res }) {
      const username = body.username.trim().toLowerCase();
      const failKey = `sc:login-failures:${username}`;
      const failures = Number((await deps.redis.get(failKey)) ?? 0);
      if (failures >= MAX_FAILURES) {
        deps.metrics.logins.inc({ result: 'locked' });
        throw new AppError(
          'RATE_LIMITED',
          'Too many wrong passwords for this account. Wait 15 minutes or ask your teacher to reset the password.',
        );
      }
      const user = await deps.store.findByUsername(username);
      // An unknown username costs one KDF run too, so timing does not tell which usernames exist.
      const ok = user
        ? await verifyPassword(body.password, user.passwordHash)
        : !(await hashPassword(body.password, deps.passwordCost));
      if (!user || !ok) {
        await deps.redis.multi().incr(failKey).expire(failKey, FAILURE_WINDOW_S).exec();
        deps.metrics.logins.inc({ result: 'failure' });
        throw new AppError('AUTH_BAD_CREDENTIALS', 'Wrong username or password. Check both and try again.');
      }
      await deps.redis.del(failKey);
      const session = await deps.sessions.create(user.id);
      deps.metrics.logins.inc({ result: 'success' });
      res.cookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: false,
        expires: new Date(session.expiresAt),
        path: '/',
      });
      const { passwordHash: _h, ...publicUser } = user;
      return { token: session.token, expiresAt: new Date(session.expiresAt).toISOString(), user: publicUser };
    },
  });

  r.add({
    method: 'post',
    path: '/api/auth/logout',
    tag: 'auth',
    summary: 'Sign out (ends this session)',
    auth: 'any',
    async handler({ req, res, user }) {
      const sessionId = (req as Request & { sessionId?: string }).sessionId!;
      await deps.sessions.end(sessionId, user.id);
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  });

  r.add({
    method: 'get',
    path: '/api/me',
    tag: 'auth',
    summary: 'The signed-in user',
    auth: 'any',
    handler: ({ user }) => ({ user }),
  });
}
