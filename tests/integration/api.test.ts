import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { signToken } from '../../server/auth/tokens.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';

let svc: RunningService;
let url: string;

beforeAll(async () => {
  svc = await startTestService({
    SESSION_TTL: '1h',
    METRICS_TOKEN: 'metrics-token-for-tests',
    METRICS_PORT: '0',
  });
  url = svc.url;
});
afterAll(async () => svc?.close());

describe('health, readiness, metrics, OpenAPI', () => {
  it('answers /healthz and /readyz', async () => {
    const c = new ApiClient(url);
    expect((await c.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await c.get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics including login counts, only with the metrics token or internally', async () => {
    await ApiClient.as(url, 'admin');
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(
      (await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
    ).toBe(404);
    const res = await fetch(`${url}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-for-tests' },
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    // The internal listener (METRICS_PORT) serves them without a token, and nothing else.
    expect(svc.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const internal = await fetch(`${svc.metricsUrl}/metrics`);
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain('skyclass_logins_total');
    expect((await fetch(`${svc.metricsUrl}/api/me`)).status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/skyclass_logins_total\{result="success"\} [1-9]/);
    expect(text).toContain('skyclass_http_request_duration_seconds_bucket');
  });

  it('documents every route it serves in /api/openapi.json', async () => {
    const doc = (
      await new ApiClient(url).get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
        '/api/openapi.json',
      )
    ).body;
    expect(doc.openapi).toBe('3.1.0');
    const { createRegistry } = await import('../../server/http/createApp.ts');
    const routes = createRegistry({} as never).routes;
    expect(routes.length).toBeGreaterThan(15);
    type Op = { responses: Record<string, { content: Record<string, { schema?: { type?: string } }> }> };
    for (const r of routes) {
      const p = r.path.replace(/[:*](\w+)/g, '{$1}');
      const op = doc.paths[p]?.[r.method] as Op | undefined;
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      const ok = Object.entries(op!.responses).find(([code]) => code.startsWith('2'))![1];
      if (r.contract) {
        // Every JSON route documents the shape of its answer (from contracts/api.ts).
        expect(ok.content['application/json']?.schema?.type, `${r.method} ${r.path}`).toBe('object');
      } else {
        expect(Object.keys(ok.content).length, `${r.method} ${r.path} content types`).toBeGreaterThan(0);
      }
    }
    // Every endpoint of the contract is served, once.
    const { endpoints } = await import('../../contracts/api.ts');
    const served = routes.filter((r) => r.contract).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(served.sort()).toEqual(Object.keys(endpoints).sort());
    const login = doc.paths['/api/auth/login']!.post as {
      requestBody: { content: Record<string, { schema: { properties: object } }> };
    };
    expect(Object.keys(login.requestBody.content['application/json']!.schema.properties)).toEqual([
      'username',
      'password',
    ]);
  });

  it('answers unknown API paths and bad JSON with the JSON error body', async () => {
    const c = new ApiClient(url);
    const r = await c.get('/api/nope');
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe('NOT_FOUND');
    const bad = await c.request('POST', '/api/auth/login', '{"username": ', {
      contentType: 'application/json',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' });
  });
});

describe('login and sessions', () => {
  it('signs in every demo role', async () => {
    for (const [username, role] of [
      ['admin', 'district_admin'],
      ['s1-admin', 'school_admin'],
      ['lead-g3', 'lead_teacher'],
      ['t-s1-g3-1', 'co_teacher'],
      ['s1-g3-1-01', 'student'],
    ]) {
      const c = await ApiClient.as(url, username!);
      const me = await c.get<{ user: { role: string; username: string } }>('/api/me');
      expect(me.body.user).toMatchObject({ username, role });
      expect(JSON.stringify(me.body)).not.toContain('passwordHash');
    }
  });

  it('rejects a wrong password and an unknown user the same way', async () => {
    const c = new ApiClient(url);
    const a = await c.post('/api/auth/login', { username: 'admin', password: 'wrong-password' });
    const b = await c.post('/api/auth/login', { username: 'nobody', password: 'wrong-password' });
    expect(a.status).toBe(401);
    expect(a.body).toEqual(b.body);
    expect(a.body.error?.code).toBe('AUTH_BAD_CREDENTIALS');
  });

  it('validates the login body', async () => {
    const r = await new ApiClient(url).post('/api/auth/login', { username: 'admin' });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('VALIDATION_FAILED');
    expect(r.body.error?.message).toContain('password');
  });

  it('locks an account after 10 wrong passwords', async () => {
    const c = new ApiClient(url);
    for (let i = 0; i < 10; i++)
      await c.post('/api/auth/login', { username: 's2-g9-2-02', password: 'wrong-password' });
    const r = await c.post('/api/auth/login', { username: 's2-g9-2-02', password: 'skyclass2026' });
    expect(r.status).toBe(429);
    expect(r.body.error?.code).toBe('RATE_LIMITED');
  });

  it('refuses missing, forged and expired tokens with distinct codes', async () => {
    const c = new ApiClient(url);
    expect((await c.get('/api/me')).body.error?.code).toBe('AUTH_REQUIRED');
    c.token = 'forged.123.abc';
    expect((await c.get('/api/me')).body.error?.code).toBe('AUTH_TOKEN_INVALID');
    // A token signed with the real secret but already expired:
    const secret = (await svc.core.redis.redis.get('sc:secret:session'))!;
    c.token = signToken(secret, { sessionId: 'a'.repeat(24), expiresAt: Date.now() - 1000 });
    const r = await c.get('/api/me');
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe('AUTH_TOKEN_EXPIRED');
    // Signed, not expired, but never issued as a session:
    c.token = signToken(secret, { sessionId: 'b'.repeat(24), expiresAt: Date.now() + 60_000 });
    expect((await c.get('/api/me')).body.error?.code).toBe('AUTH_SESSION_ENDED');
  });

  it('logout ends the session', async () => {
    const c = await ApiClient.as(url, 'lead-g3');
    expect((await c.post('/api/auth/logout')).status).toBe(200);
    const r = await c.get('/api/me');
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe('AUTH_SESSION_ENDED');
  });

  it('sessions expire in Redis after SESSION_TTL', async () => {
    const c = await ApiClient.as(url, 'lead-g4');
    const sid = c.token!.split('.')[0]!;
    const ttl = await svc.core.redis.redis.pttl(`sc:session:${sid}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });
});

describe('authorization scopes', () => {
  it('a co-teacher sees only their own classes and is refused another', async () => {
    const c = await ApiClient.as(url, 't-s1-g3-1');
    const list = await c.get<{ classes: { id: string }[] }>('/api/classes');
    expect(list.body.classes.map((x) => x.id)).toEqual(['cls_demo_s1_g3_1']);
    const other = await c.get('/api/classes/cls_demo_s1_g3_2');
    expect(other.status).toBe(403);
    expect(other.body.error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await c.get('/api/classes/cls_demo_s1_g3_2/students')).status).toBe(403);
    const own = await c.get<{ students: { username: string }[] }>('/api/classes/cls_demo_s1_g3_1/students');
    expect(own.body.students.map((s) => s.username)).toEqual(['s1-g3-1-01', 's1-g3-1-02']);
  });

  it('a subject co-teacher of two classes sees both', async () => {
    const c = await ApiClient.as(url, 't-s1-g3-math');
    const list = await c.get<{ classes: { id: string }[] }>('/api/classes');
    expect(list.body.classes.map((x) => x.id).sort()).toEqual(['cls_demo_s1_g3_1', 'cls_demo_s1_g3_2']);
  });

  it('a student sees only their class and own data, and cannot call teacher routes', async () => {
    const c = await ApiClient.as(url, 's1-g3-1-01');
    const list = await c.get<{ classes: { id: string }[] }>('/api/classes');
    expect(list.body.classes.map((x) => x.id)).toEqual(['cls_demo_s1_g3_1']);
    const roster = await c.get('/api/classes/cls_demo_s1_g3_1/students');
    expect(roster.status).toBe(403);
    expect(roster.body.error?.code).toBe('FORBIDDEN_ROLE');
    const add = await c.post('/api/classes/cls_demo_s1_g3_1/students', {
      username: 'hacker01',
      displayName: '黑客',
    });
    expect(add.status).toBe(403);
    expect(add.body.error?.code).toBe('FORBIDDEN_ROLE');
    const me = await c.get<{ user: { id: string } }>('/api/me');
    const classmateList = await (
      await ApiClient.as(url, 't-s1-g3-1')
    ).get<{ students: { id: string }[] }>('/api/classes/cls_demo_s1_g3_1/students');
    const classmate = classmateList.body.students.find((s) => s.id !== me.body.user.id)!;
    expect((await c.get(`/api/users/${me.body.user.id}`)).status).toBe(200);
    expect((await c.get(`/api/users/${classmate.id}`)).body.error?.code).toBe('FORBIDDEN_SCOPE');
  });

  it('a school admin sees only their own school', async () => {
    const c = await ApiClient.as(url, 's1-admin');
    const list = await c.get<{ classes: { schoolId: string }[] }>('/api/classes');
    expect(list.body.classes).toHaveLength(18);
    expect(new Set(list.body.classes.map((x) => x.schoolId))).toEqual(new Set(['sch_demo1']));
    const d = await c.get<{ schools: { id: string }[] }>('/api/district');
    expect(d.body.schools.map((s) => s.id)).toEqual(['sch_demo1']);
    expect((await c.get('/api/classes/cls_demo_s2_g1_1')).body.error?.code).toBe('FORBIDDEN_SCOPE');
  });

  it('a lead teacher sees the classes of their grade across schools', async () => {
    const c = await ApiClient.as(url, 'lead-g5');
    const list = await c.get<{ classes: { grade: number }[] }>('/api/classes');
    expect(list.body.classes).toHaveLength(4);
    expect(list.body.classes.every((x) => x.grade === 5)).toBe(true);
  });
});

describe('class teacher manages students', () => {
  it('creates a student who can then sign in', async () => {
    const t = await ApiClient.as(url, 't-s1-g4-1');
    const r = await t.post<{ user: { username: string; role: string }; initialPassword: string }>(
      '/api/classes/cls_demo_s1_g4_1/students',
      {
        username: 'NewKid01',
        displayName: '新同学',
      },
    );
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ username: 'newkid01', role: 'student' });
    const kid = await ApiClient.as(url, 'newkid01', r.body.initialPassword);
    expect(
      (await kid.get<{ classes: { id: string }[] }>('/api/classes')).body.classes.map((c) => c.id),
    ).toEqual(['cls_demo_s1_g4_1']);
    const dup = await t.post('/api/classes/cls_demo_s1_g4_1/students', {
      username: 'newkid01',
      displayName: '重名',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error?.code).toBe('CONFLICT');
  });

  it('a subject co-teacher (not the class teacher) cannot add students', async () => {
    const t = await ApiClient.as(url, 't-s1-g4-math');
    const r = await t.post('/api/classes/cls_demo_s1_g4_1/students', {
      username: 'nope0001',
      displayName: '不行',
    });
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('FORBIDDEN_SCOPE');
  });

  it('imports a roster CSV: good rows are created, bad rows reported, nothing else lost', async () => {
    const t = await ApiClient.as(url, 't-s1-g5-1');
    const csv = [
      '学号,姓名,密码',
      'g5kid01,王一,',
      'g5kid02,王二,secret-pass',
      'bad name,王三,',
      'g5kid01,王一重复,',
      's1-g3-1-01,已存在,',
    ].join('\n');
    const r = await t.request<{
      created: number;
      failed: number;
      rows: { line: number }[];
      errors: { line: number; code: string }[];
    }>('POST', '/api/classes/cls_demo_s1_g5_1/students/import', csv, { contentType: 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.body.created).toBe(2);
    expect(r.body.errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'ROW_USERNAME'],
      [5, 'ROW_DUPLICATE'],
      [6, 'ROW_EXISTS'],
    ]);
    await ApiClient.as(url, 'g5kid02', 'secret-pass');
    const roster = await t.get<{ students: { username: string }[] }>(
      '/api/classes/cls_demo_s1_g5_1/students',
    );
    expect(roster.body.students.map((s) => s.username)).toEqual(
      expect.arrayContaining(['g5kid01', 'g5kid02', 's1-g5-1-01', 's1-g5-1-02']),
    );
  });

  it('refuses a malformed CSV as a whole with a clear message and creates nobody', async () => {
    const t = await ApiClient.as(url, 't-s1-g6-1');
    const before = (await t.get<{ students: unknown[] }>('/api/classes/cls_demo_s1_g6_1/students')).body
      .students.length;
    const r = await t.request(
      'POST',
      '/api/classes/cls_demo_s1_g6_1/students/import',
      'username,displayName\n"g6kid01,王',
      {
        contentType: 'text/csv',
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('CSV_MALFORMED');
    expect(r.body.error?.message).toMatch(/cannot be read/);
    const noHeader = await t.request(
      'POST',
      '/api/classes/cls_demo_s1_g6_1/students/import',
      'g6kid01,王\n',
      { contentType: 'text/csv' },
    );
    expect(noHeader.body.error?.code).toBe('CSV_MALFORMED');
    const json = await t.post('/api/classes/cls_demo_s1_g6_1/students/import', { rows: [] });
    expect(json.status).toBe(415);
    expect(
      (await t.get<{ students: unknown[] }>('/api/classes/cls_demo_s1_g6_1/students')).body.students.length,
    ).toBe(before);
  });

  it('resets a password, which ends the student’s sessions', async () => {
    const kid = await ApiClient.as(url, 's1-g7-1-01');
    const t = await ApiClient.as(url, 't-s1-g7-1');
    const me = await kid.get<{ user: { id: string } }>('/api/me');
    const r = await t.post<{ newPassword: string; sessionsEnded: number }>(
      `/api/users/${me.body.user.id}/password`,
      {},
    );
    expect(r.status).toBe(200);
    expect(r.body.sessionsEnded).toBe(1);
    expect((await kid.get('/api/me')).body.error?.code).toBe('AUTH_SESSION_ENDED');
    await ApiClient.as(url, 's1-g7-1-01', r.body.newPassword);
    const other = await ApiClient.as(url, 't-s1-g7-2');
    expect((await other.post(`/api/users/${me.body.user.id}/password`, {})).body.error?.code).toBe(
      'FORBIDDEN_SCOPE',
    );
  });
});

describe('signed storage links', () => {
  it('serves an object through a signed link with ranges, and refuses tampering and path tricks', async () => {
    const { storage } = svc.core;
    await storage.put('test/hello.txt', 'Hello, 空中课堂!');
    const link = await storage.url('test/hello.txt');
    const full = await fetch(link);
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(await full.text()).toBe('Hello, 空中课堂!');
    const part = await fetch(link, { headers: { range: 'bytes=0-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-4/${Buffer.byteLength('Hello, 空中课堂!')}`);
    expect(await part.text()).toBe('Hello');
    const beyond = await fetch(link, { headers: { range: 'bytes=9999-' } });
    expect(beyond.status).toBe(416);
    const tampered = await fetch(link.replace('hello.txt', 'other.txt'));
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN_SCOPE');
    const trick = await fetch(`${url}/files/..%2f..%2fetc%2fpasswd?exp=9999999999&sig=x`);
    expect([400, 403]).toContain(trick.status);
    expect(await trick.text()).not.toContain('root:');
  });
});
