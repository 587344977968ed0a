import type { Request } from 'express';
import { AppError } from '../errors.ts';
import type { User } from '../district/model.ts';
import type { AppDeps } from './AppDeps.ts';

export const SESSION_COOKIE = 'skyclass_session';

export function tokenFromRequest(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m) throw new AppError('AUTH_TOKEN_INVALID', 'The Authorization header must be "Bearer <token>".');
    return m[1];
  }
  // The cookie is accepted only for reads (media players cannot set headers); writes need the header (no CSRF).
  if (req.method === 'GET' || req.method === 'HEAD') {
    const cookie = req.get('cookie');
    const m = cookie && new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookie);
    if (m) return decodeURIComponent(m[1]!);
  }
  return undefined;
}

export function makeAuthenticate(deps: Pick<AppDeps, 'sessions' | 'store'>) {
  return async (req: Request): Promise<User> => {
    const token = tokenFromRequest(req);
    if (!token) throw new AppError('AUTH_REQUIRED', 'Please sign in first.');
    const { userId, sessionId } = await deps.sessions.resolve(token);
    const user = await deps.store.getUser(userId);
    if (!user)
      throw new AppError('AUTH_SESSION_ENDED', 'This account no longer exists. Please contact your school.');
    (req as Request & { sessionId?: string }).sessionId = sessionId;
    return user;
  };
}
