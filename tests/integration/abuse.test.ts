/**
 * The service against abuse, on real instances: login rate limits and
 * lockouts that a stranger cannot turn against someone else, sessions (and
 * their sockets) that end everywhere at once, a class room that keeps spam
 * out, complete data export and erasure with an audit log, and the browser
 * defences in every answer.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { startSecondInstance, startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { DEMO_PASSWORD } from '../../server/district/demoDistrict.ts';
import { ClassRoomStore } from '../../server/classroom/ClassRoomStore.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';

let a: RunningService;
let b: RunningService;
const sockets = new SocketPool();

beforeAll(async () => {
  // Two instances on one Redis; TRUST_PROXY lets the test speak from many client addresses (X-Forwarded-For).
  a = await startTestService({
    TRUST_PROXY: 'true',
    LOGIN_IP_LIMIT: '30',
    LOGIN_LOCK_AFTER: '5',
    LOGIN_USER_BACKOFF_AFTER: '12',
  });
  b = await startSecondInstance(a);
}, 60_000);
afterAll(async () => {
  sockets.closeAll();
  await b?.close();
  await a?.close();
});

type Reply = {
  ok?: true;
  error?: { code: string; message: string; messageZh?: string };
  [k: string]: unknown;
};

async function login(
  username: string,
  password: string,
  from: string,
  cookie?: string,
): Promise<{ status: number; retryAfter: string | null; code?: string; setCookie: string[] }> {
  const r = await fetch(`${a.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ username, password }),
  });
  const body = (await r.json()) as { error?: { code: string } };
  return {
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    code: body.error?.code,
    setCookie: r.headers.getSetCookie(),
  };
}

describe('sign-in cannot be used against the service or someone else', () => {
  it('limits attempts per address with 429 and Retry-After', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 32; i++)
      codes.push((await login(`nobody-${i}`, 'wrong-password', '198.51.100.7')).status);
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    const limited = await login('admin', DEMO_PASSWORD, '198.51.100.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await login('admin', DEMO_PASSWORD, '198.51.100.8')).status).toBe(200);
  });

  it('locks one address out of one account; the owner elsewhere still signs in; a reset clears it', async () => {
    for (let i = 0; i < 5; i++)
      expect((await login('s1-g3-1-02', 'wrong-password', '203.0.113.1')).status).toBe(401);
    const locked = await login('s1-g3-1-02', DEMO_PASSWORD, '203.0.113.1');
    expect(locked.status).toBe(429);
    expect(locked.code).toBe('RATE_LIMITED');
    // The stranger did not lock the child out: from home it works.
    expect((await login('s1-g3-1-02', DEMO_PASSWORD, '203.0.113.99')).status).toBe(200);
    // The class teacher's reset clears every lockout of the account.
    const teacher = await ApiClient.as(a.url, 't-s1-g3-1');
    const id = (await a.core.store.findByUsername('s1-g3-1-02'))!.id;
    const reset = await teacher.post<{ newPassword: string }>(`/api/users/${id}/password`, {
      password: 'new-password-1',
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect((await login('s1-g3-1-02', 'new-password-1', '203.0.113.1')).status).toBe(200);
  });

  it('slows guessing from many addresses, but not the owner’s own browser (device cookie)', async () => {
    const user = 's1-g3-2-01';
    const home = await login(user, DEMO_PASSWORD, '192.0.2.50');
    expect(home.status).toBe(200);
    const device = home.setCookie.find((c) => c.startsWith('skyclass_device='))!.split(';')[0]!;
    for (let i = 0; i < 12; i++) await login(user, 'guess-' + i, `192.0.2.${100 + i}`);
    const first = await login(user, 'guess-x', '192.0.2.200');
    const second = await login(user, DEMO_PASSWORD, '192.0.2.201');
    expect([first.status, second.status]).toContain(429); // one attempt per 10 s for unknown browsers
    // The child's own browser signs in at once.
    expect((await login(user, DEMO_PASSWORD, '192.0.2.50', device)).status).toBe(200);
    // A forged device cookie does not help.
    expect(
      (await login(user, DEMO_PASSWORD, '192.0.2.202', `skyclass_device=usr_x.${'A'.repeat(43)}`)).status,
    ).toBe(429);
  });

  it('runs at most PASSWORD_HASH_CONCURRENCY password hashes at once', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(`flood-${i}`, 'pw-' + i, `100.64.0.${i + 1}`)),
    );
    expect(a.passwords.peak).toBe(1);
  });
});

describe('sessions end everywhere at once', () => {
  const connect = (url: string, c: ApiClient) => sockets.connect(url, c.token);
  const closed = (s: Socket) =>
    new Promise<number>((resolve) => {
      const t0 = Date.now();
      s.once('disconnect', () => resolve(Date.now() - t0));
    });

  it('logout closes that session’s sockets on every instance within 2 s; other sessions stay', async () => {
    const c1 = await ApiClient.as(a.url, 's1-g3-1-01');
    const c2 = await ApiClient.as(a.url, 's1-g3-1-01');
    const onB = await connect(b.url, c1);
    const otherSession = await connect(b.url, c2);
    const ended = closed(onB);
    expect((await c1.post('/api/auth/logout')).status).toBe(200);
    expect(await ended).toBeLessThan(2000);
    expect(otherSession.connected).toBe(true);
  });

  it('a password reset, switching the account off and erasure close every socket of the user', async () => {
    const teacher = await ApiClient.as(a.url, 't-s1-g3-1');
    for (const act of ['reset', 'disable', 'erase'] as const) {
      const u = await a.core.store.createUser({
        username: `sess-${act}-${Date.now() % 100000}`,
        displayName: '会话测试',
        role: 'student',
        passwordHash: (await a.core.store.findByUsername('s1-g3-1-01'))!.passwordHash,
        schoolId: (await a.core.store.findByUsername('s1-g3-1-01'))!.schoolId,
        classIds: (await a.core.store.findByUsername('s1-g3-1-01'))!.classIds,
      });
      const c = await ApiClient.as(a.url, u.username);
      const sA = await connect(a.url, c);
      const sB = await connect(b.url, c);
      const both = Promise.all([closed(sA), closed(sB)]);
      const r =
        act === 'reset'
          ? await teacher.post(`/api/users/${u.id}/password`, {})
          : act === 'disable'
            ? await teacher.request('PUT', `/api/users/${u.id}/disabled`, { disabled: true })
            : await teacher.request('DELETE', `/api/users/${u.id}`);
      expect(r.status, act).toBe(200);
      for (const ms of await both) expect(ms, act).toBeLessThan(2000);
      expect((await c.get('/api/me')).status, act).toBe(401);
      if (act === 'disable') {
        const again = await fetch(`${a.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: u.username, password: DEMO_PASSWORD }),
        });
        expect(again.status).toBe(403);
        expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
          'AUTH_ACCOUNT_DISABLED',
        );
      }
    }
  });

  it('every socket event re-checks the session (even if the close message were lost)', async () => {
    const c = await ApiClient.as(a.url, 's1-g3-2-02');
    const s = await connect(a.url, c);
    const me = (await c.get<{ user: { classIds: string[] } }>('/api/me')).body.user;
    expect((await ack<Reply>(s, 'room:join', { classId: me.classIds[0] })).ok).toBe(true);
    // The session disappears from Redis without the pub/sub message (as if it were lost).
    const keys = await a.core.redis.redis.keys('sc:session:*');
    const sessionKeys = [];
    for (const k of keys)
      if ((await a.core.redis.redis.get(k)) === (await a.core.store.findByUsername('s1-g3-2-02'))!.id)
        sessionKeys.push(k);
    await a.core.redis.redis.del(...sessionKeys);
    const refused = await ack<Reply>(s, 'room:send', { classId: me.classIds[0], text: '还在吗' }).catch(
      (e: Error) => ({ error: { code: e.message, message: e.message } }),
    );
    expect((refused as Reply).ok).toBeUndefined();
    await waitFor(async () => (s.connected ? undefined : true), 'the socket to be closed', 2000);
  });
});

describe('class room limits', () => {
  it('refuses a flood with a clear wait, and keeps the history capped with pins read from their index', async () => {
    const stu = await ApiClient.as(a.url, 's1-g4-1-01');
    const classId = (await stu.get<{ user: { classIds: string[] } }>('/api/me')).body.user.classIds[0]!;
    const s = await sockets.connect(a.url, stu.token);
    expect((await ack<Reply>(s, 'room:join', { classId })).ok).toBe(true);
    // Sent at once (one after another they could straddle the limit's window on a loaded machine).
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ack<Reply>(s, 'room:send', { classId, text: `第${i}条` })),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(5);
    const limited = replies.find((r) => r.error)!;
    expect(limited.error!.code).toBe('RATE_LIMITED');
    expect(limited.error!.messageZh).toMatch(/请等 \d+ 秒/);
    expect(limited.error!.message).toMatch(/Wait \d+ s/);

    // History cap (a store with a small cap on the same Redis): oldest dropped, pinned kept and listed.
    const rooms = new ClassRoomStore(a.core.redis.redis, { historyCap: 5 });
    const cid = 'cls_captest';
    const first = await rooms.add({
      classId: cid,
      userId: 'u',
      name: 'n',
      role: 'co_teacher',
      kind: 'chat',
      text: '置顶',
    });
    await rooms.update(cid, first.id, { pinned: true });
    for (let i = 0; i < 12; i++)
      await rooms.add({ classId: cid, userId: 'u', name: 'n', role: 'student', kind: 'chat', text: `m${i}` });
    const page = await rooms.page(cid, Infinity, 50);
    expect(page.messages).toHaveLength(5);
    expect(page.messages.at(-1)!.text).toBe('m11');
    expect((await rooms.pinned(cid)).map((m) => m.text)).toEqual(['置顶']);
  });
});

describe('data rights', () => {
  it('exports everything stored about a student and erases all of it; account erasure is audited', async () => {
    const admin = await ApiClient.as(a.url, 's1-admin');
    const teacher = await ApiClient.as(a.url, 't-s1-g3-1');
    const stu = await ApiClient.as(a.url, 's1-g3-1-01');
    const me = (await stu.get<{ user: { id: string; classIds: string[] } }>('/api/me')).body.user;
    const classId = me.classIds[0]!;
    const s = await sockets.connect(a.url, stu.token);
    const ts = await sockets.connect(a.url, teacher.token);
    await ack(s, 'room:join', { classId });
    await ack(ts, 'room:join', { classId });
    const sent = await ack<Reply & { message: { id: number } }>(s, 'room:send', {
      classId,
      text: '我的作业写完了',
    });
    await ack(ts, 'room:delete', { classId, messageId: sent.message.id }); // hidden by the teacher
    await ack(s, 'room:hand', { classId, up: true });
    const studentId = me.id;
    await ack(ts, 'room:mute', { classId, userId: studentId, minutes: 5 });
    await ack(s, 'presence:beat', { kind: 'channel', ref: 'grade-3', tab: 'tab-rights1' });
    await ack(s, 'presence:leave', { tab: 'tab-rights1' }); // a closed viewing goes to the day log
    await ack(s, 'presence:beat', { kind: 'channel', ref: 'grade-3', tab: 'tab-rights2' }); // and one still open
    const lessonId = LessonStore.newId();
    await a.core.lessons.create({
      id: lessonId,
      title: '回放',
      grade: 3,
      subject: '数学',
      teacherId: 'usr_t',
      teacherName: 't',
      status: 'ready',
      review: 'approved',
      source: { key: 'x', filename: 'x', size: 1 },
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    await a.core.lessons.setPosition(lessonId, studentId, 123);

    type Export = {
      account: { username: string };
      watchSessions: Record<string, unknown[]>;
      watchingNow: unknown[];
      attendance: Record<string, unknown>;
      replayPositions: Record<string, number>;
      classRooms: {
        messages: { text: string; deleted?: boolean }[];
        mutedUntil: number | null;
        handRaisedAt: number | null;
      }[];
    };
    const exp = (await admin.get<Export>(`/api/students/${studentId}/data`)).body;
    expect(exp.account.username).toBe('s1-g3-1-01');
    expect(exp.classRooms[0]!.messages.find((m) => m.deleted)!.text).toBe('我的作业写完了'); // as written
    expect(exp.classRooms[0]!.mutedUntil).toBeGreaterThan(Date.now());
    expect(exp.classRooms[0]!.handRaisedAt).toBeGreaterThan(0);
    expect(exp.replayPositions[lessonId]).toBe(123);
    expect(Object.keys(exp.watchSessions).length).toBeGreaterThan(0);
    expect(exp.watchingNow.length).toBe(1);
    expect(exp.attendance).toBeTypeOf('object');
    expect(JSON.stringify(exp)).not.toMatch(/passwordHash|scrypt\$/);

    const del = await admin.request<{ removedMessages: number; removedPositions: number }>(
      'DELETE',
      `/api/students/${studentId}/data`,
    );
    expect(del.body.removedMessages).toBeGreaterThanOrEqual(1);
    expect(del.body.removedPositions).toBe(1);
    const after = (await admin.get<Export>(`/api/students/${studentId}/data`)).body;
    expect(after.classRooms[0]!.messages).toEqual([]);
    expect(after.classRooms[0]!.mutedUntil).toBeNull();
    expect(after.classRooms[0]!.handRaisedAt).toBeNull();
    expect(after.replayPositions).toEqual({});
    // Nothing about the student is left in Redis's room records.
    const raw = await a.core.redis.redis.hvals(`sc:room:${classId}:msgs`);
    expect(raw.some((v) => v.includes('我的作业写完了'))).toBe(false);

    // Account erasure by the class teacher: the account and its data go; the audit log says who and when.
    const doomed = await a.core.store.createUser({
      username: `erase-me-${Date.now() % 100000}`,
      displayName: '将被删除',
      role: 'student',
      passwordHash: 'x',
      schoolId: (await a.core.store.getClass(classId))!.schoolId,
      classIds: [classId],
    });
    await a.core.lessons.setPosition(lessonId, doomed.id, 9);
    const erased = await teacher.request<{ erased: string }>('DELETE', `/api/users/${doomed.id}`);
    expect(erased.body.erased).toBe(doomed.id);
    expect(await a.core.store.getUser(doomed.id)).toBeUndefined();
    expect(await a.core.store.findByUsername(doomed.username)).toBeUndefined();
    expect(await a.core.lessons.getPosition(lessonId, doomed.id)).toBe(0);
    const audit = await admin.get<{
      entries: { action: string; targetUsername: string; actorName: string }[];
    }>('/api/audit');
    expect(audit.body.entries.find((e) => e.targetUsername === doomed.username)).toMatchObject({
      action: 'account.erase',
    });
    // Another school's admin does not see this school's audit entries.
    const other = await (
      await ApiClient.as(a.url, 's2-admin')
    ).get<{ entries: { targetUsername: string }[] }>('/api/audit');
    expect(other.body.entries.some((e) => e.targetUsername === doomed.username)).toBe(false);
  });
});

describe('browser defences', () => {
  it('every answer carries a CSP without inline script, no framing, nosniff', async () => {
    for (const p of ['/', '/api/me', '/healthz', '/channels/grade-3/master.m3u8']) {
      const r = await fetch(a.url + p);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp, p).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toContain('unsafe-inline');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('strict-transport-security')).toBeNull(); // plain http here
    }
  });

  it('with an https PUBLIC_BASE_URL: HSTS and Secure cookies', async () => {
    const s = await startTestService({ PUBLIC_BASE_URL: 'https://skyclass.example.edu' });
    try {
      const r = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: DEMO_PASSWORD }),
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      const cookies = r.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThanOrEqual(2);
      for (const c of cookies) expect(c).toMatch(/; Secure/i);
      for (const c of cookies) expect(c).toMatch(/; HttpOnly/i);
    } finally {
      await s.close();
    }
  });
});
