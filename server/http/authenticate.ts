import type { Request } from 'express';
import { AppError } from '../errors.ts';
import type { User } from '../district/model.ts';
import type { AppDeps } from './AppDeps.ts';

export const SESSION_COOKIE = 'skyclass_session';

/** "Bearer <token>" → token; anything else is a clear 401. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) throw new AppError('AUTH_TOKEN_INVALID', 'The Authorization header must be "Bearer <token>".');
  return m[1];
}

export function tokenFromRequest(req: Request): string | undefined {
  const auth = req.get('authorization');
  if (auth) return bearerToken(auth);
  // The cookie is accepted only for reads (media players cannot set headers); writes need the header (no CSRF).
  if (req.method === 'GET' || req.method === 'HEAD') return cookieValue(req, SESSION_COOKIE);
  return undefined;
}

/** One cookie of the request, or undefined. */
export function cookieValue(req: Request, name: string): string | undefined {
  const cookie = req.get('cookie');
  const m = cookie && new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(cookie);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined; // a malformed cookie is no cookie
  }
}

/** The user behind a session token (any transport: HTTP header, cookie, socket.io handshake, tus). */
export function makeTokenAuthenticator(deps: Pick<AppDeps, 'sessions' | 'store'>) {
  return async (token: string | undefined): Promise<{ user: User; sessionId: string }> => {
    if (!token) throw new AppError('AUTH_REQUIRED', 'Please sign in first.');
    const { userId, sessionId } = await deps.sessions.resolve(token);
    const user = await deps.store.getUser(userId);
    if (!user)
      throw new AppError('AUTH_SESSION_ENDED', 'This account no longer exists. Please contact your school.');
    if (user.disabled)
      throw new AppError(
        'AUTH_SESSION_ENDED',
        'This account has been switched off by the school. Ask your teacher or school administrator.',
      );
    return { user, sessionId };
  };
}

export function makeAuthenticate(deps: Pick<AppDeps, 'sessions' | 'store'>) {
  const byToken = makeTokenAuthenticator(deps);
  return async (req: Request): Promise<User> => {
    const { user, sessionId } = await byToken(tokenFromRequest(req));
    (req as Request & { sessionId?: string }).sessionId = sessionId;
    return user;
  };
}
