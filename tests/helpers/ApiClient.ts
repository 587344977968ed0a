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
  /** The HLS viewing pass (skyclass_hls), kept from Set-Cookie as a browser would and sent back. */
  hlsPass?: string;

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
    if (this.hlsPass && !headers.cookie) headers.cookie = `skyclass_hls=${this.hlsPass}`;
    let payload: string | Uint8Array | undefined;
    if (body !== undefined) {
      headers['content-type'] = init.contentType ?? 'application/json';
      payload =
        typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body);
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload as BodyInit | undefined });
    this.#keepPass(res.headers);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as ApiResult<T>['body'], headers: res.headers };
  }

  #keepPass(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const m = /^skyclass_hls=([^;]*)/.exec(c);
      if (m) this.hlsPass = m[1] || undefined;
    }
  }

  /** A playlist, segment or poster as this user's player fetches it (with the viewing-pass cookie). */
  async media(pathOrUrl: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = /^https?:/.test(pathOrUrl) ? pathOrUrl : this.baseUrl + pathOrUrl;
    const res = await fetch(url, {
      headers: { ...(this.hlsPass ? { cookie: `skyclass_hls=${this.hlsPass}` } : {}), ...headers },
    });
    this.#keepPass(res.headers);
    return res;
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
