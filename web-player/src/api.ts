/** A small typed client for the Skyclass API; the token lives in localStorage. */
import { t } from './i18n.ts';
export interface ApiUser {
  id: string;
  username: string;
  displayName: string;
  role: 'district_admin' | 'school_admin' | 'lead_teacher' | 'co_teacher' | 'student';
  schoolId?: string;
  grades?: number[];
  subjects?: string[];
  classIds?: string[];
  /** Switched off by the school: cannot sign in. */
  disabled?: boolean;
}

export interface ApiClass {
  id: string;
  schoolId: string;
  grade: number;
  name: string;
  classTeacherId?: string;
  studentCount: number;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const TOKEN_KEY = 'skyclass.token';
export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  set(token: string | null) {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const headers: Record<string, string> = {};
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    headers['content-type'] = contentType;
    payload = contentType === 'application/json' ? JSON.stringify(body) : (body as BodyInit);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network');
  }
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: unknown };
  };
  if (!res.ok) {
    const e = data.error ?? { code: 'HTTP_' + res.status, message: res.statusText };
    throw new ApiError(res.status, e.code, e.message, e.details);
  }
  return data as T;
}

/** What to tell the user about a failed call (the server's message, or "offline"). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'NETWORK') return t('offline');
    return e.message;
  }
  return String(e);
}
