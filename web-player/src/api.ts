/** A small typed client for the Skyclass API; the token lives in localStorage. */
import { getLang, t } from './i18n.ts';
import type { BodyOf, EndpointKey, ParamsOf, QueryOf, ResponseOf } from '../../contracts/api.ts';
import type { ClassView, User } from '../../contracts/district.ts';

export type { ResponseOf };
/** A person as the API shows them. */
export type ApiUser = User;
/** A class with its number of students. */
export type ApiClass = ClassView;

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  /** The server's Chinese message, where it has one (children's and parents' screens). */
  readonly messageZh?: string;
  constructor(status: number, code: string, message: string, details?: unknown, messageZh?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.messageZh = messageZh;
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

async function request<T>(
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
    // A file (CSV, or a JSON file as it is) goes as it is; anything else is JSON.
    const raw = typeof body === 'string' || body instanceof ArrayBuffer || body instanceof Blob;
    payload = raw ? body : JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network');
  }
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: unknown; messageZh?: string };
  };
  if (!res.ok) {
    const e = data.error ?? { code: 'HTTP_' + res.status, message: res.statusText };
    throw new ApiError(res.status, e.code, e.message, e.details, e.messageZh);
  }
  return data as T;
}

type Options<K extends EndpointKey> = (keyof ParamsOf<K> extends never
  ? { params?: undefined }
  : { params: ParamsOf<K> }) &
  (BodyOf<K> extends undefined ? { body?: undefined } : { body: BodyOf<K>; contentType?: string }) & {
    query?: QueryOf<K> extends undefined ? undefined : QueryOf<K>;
  };
type Args<K extends EndpointKey> = keyof ParamsOf<K> extends never
  ? BodyOf<K> extends undefined
    ? [opts?: Options<K>]
    : [opts: Options<K>]
  : [opts: Options<K>];

/**
 * Calls one endpoint of the contract (contracts/api.ts) by its key, e.g.
 * `call('GET /api/lessons/:id', { params: { id } })`: the parameters, the
 * query, the body and the answer are all typed by the server's own schemas.
 */
export function call<K extends EndpointKey>(key: K, ...[opts]: Args<K>): Promise<ResponseOf<K>> {
  const o = (opts ?? {}) as {
    params?: Record<string, string>;
    query?: object;
    body?: unknown;
    contentType?: string;
  };
  const [method, template] = key.split(' ') as [string, string];
  const path = template.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(o.params?.[name] ?? ''));
  const qs = new URLSearchParams(
    Object.entries(o.query ?? {}).flatMap(([k, v]) =>
      v === undefined || v === null || v === '' ? [] : [[k, String(v)] as [string, string]],
    ),
  ).toString();
  return request<ResponseOf<K>>(method, qs ? `${path}?${qs}` : path, o.body, o.contentType);
}

/** What to tell the user about a failed call (the server's message, or "offline"). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'NETWORK') return t('offline');
    return getLang() === 'zh-CN' && e.messageZh ? e.messageZh : e.message;
  }
  return String(e);
}
