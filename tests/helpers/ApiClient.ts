/** A typed client that drives the server as a user would (after PeerTube's server commands). */
import { DEMO_PASSWORD } from '../../server/district/demoDistrict.ts';

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string; details?: unknown } };
  headers: Headers;
}

export class ApiClient {
  readonly baseUrl: string;
  token?: string;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  static async as(baseUrl: string, username: string, password = DEMO_PASSWORD): Promise<ApiClient> {
    const c = new ApiClient(baseUrl);
    const r = await c.post<{ token: string }>('/api/auth/login', { username, password });
    if (r.status !== 200)
      throw new Error(`login as ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    c.token = r.body.token;
    return c;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    init: { contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Uint8Array | undefined;
    if (body !== undefined) {
      headers['content-type'] = init.contentType ?? 'application/json';
      payload =
        typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload as BodyInit | undefined });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as ApiResult<T>['body'], headers: res.headers };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body?: unknown, contentType?: string) {
    return this.request<T>('POST', path, body ?? {}, { contentType });
  }

  put<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body, {});
  }
}
