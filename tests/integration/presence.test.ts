/**
 * Presence across two real instances sharing one Redis (socket.io Redis
 * adapter): a student's heartbeat on instance A reaches the co-teacher's
 * dashboard socket on instance B within a second; the roster and attendance
 * APIs read the same Redis; class scoping holds for sockets and REST.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { localParts } from '../helpers/channelDay.ts';
import { startSecondInstance, startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';

let a: RunningService;
let b: RunningService;
const sockets = new SocketPool();

beforeAll(async () => {
  a = await startTestService();
  b = await startSecondInstance(a);
}, 60_000);
afterAll(async () => {
  sockets.closeAll();
  await b?.close();
  await a?.close();
});

const connect = (url: string, who: ApiClient) => sockets.connect(url, who.token);
const call = <T = { ok?: true; error?: { code: string; message: string } }>(
  s: Socket,
  ev: string,
  payload: unknown,
) => ack<T>(s, ev, payload);

describe('presence', () => {
  it('a student arriving, switching and leaving on instance A shows on the dashboard socket on instance B within 1 s', async () => {
    const student = await ApiClient.as(a.url, 's1-g3-1-01');
    const teacher = await ApiClient.as(b.url, 't-s1-g3-1');
    const classId = (await student.get<{ user: { classIds: string[] } }>('/api/me')).body.user.classIds[0]!;
    const dash = await connect(b.url, teacher);
    expect(await call(dash, 'presence:subscribe', { classId })).toEqual({ ok: true });
    const updates: { change: string; studentId: string; viewings: { kind: string }[]; at: number }[] = [];
    dash.on('presence:update', (u) => updates.push({ ...u, at: Date.now() }));

    const s = await connect(a.url, student);
    const sent = Date.now();
    expect(
      await call(s, 'presence:beat', {
        kind: 'channel',
        ref: 'grade-3',
        position: 12,
        device: 'phone',
        tab: 'tab-test-1',
      }),
    ).toEqual({ ok: true });
    const joined = await waitFor(
      async () => updates.find((u) => u.change === 'joined'),
      'the join on B',
      2000,
      20,
    );
    expect(joined.at - sent).toBeLessThan(1000);
    expect(joined.viewings[0]!.kind).toBe('channel');

    // The same viewing again: no update (heartbeats are not news); a switch is.
    await call(s, 'presence:beat', {
      kind: 'channel',
      ref: 'grade-3',
      position: 17,
      device: 'phone',
      tab: 'tab-test-1',
    });
    const lead = await ApiClient.as(a.url, 'lead-g3');
    const liveId = (
      await lead.post<{ lesson: { id: string } }>('/api/live', {
        title: '直播测试',
        grade: 3,
        subject: '数学',
      })
    ).body.lesson.id;
    await call(s, 'presence:beat', {
      kind: 'live-hls',
      ref: liveId,
      position: 0,
      device: 'phone',
      tab: 'tab-test-1',
    });
    await waitFor(async () => updates.some((u) => u.change === 'switched'), 'the switch on B', 2000, 20);
    expect(updates.filter((u) => u.change === 'same')).toHaveLength(0);

    // The roster (REST, instance A) agrees.
    const roster = await (
      await ApiClient.as(a.url, 't-s1-g3-1')
    ).get<{
      students: { username: string; state: string; viewings: { kind: string }[] }[];
    }>(`/api/classes/${classId}/presence`);
    const me = roster.body.students.find((x) => x.username === 's1-g3-1-01')!;
    expect(me.state).toBe('watching');
    expect(me.viewings[0]!.kind).toBe('live-hls');
    expect(roster.body.students.find((x) => x.username === 's1-g3-1-02')!.state).toBe('not_joined');

    // Closing the tab (the socket drops) is a leave, seen on B at once.
    const closedAt = Date.now();
    s.close();
    const left = await waitFor(
      async () => updates.find((u) => u.change === 'left'),
      'the leave on B',
      2000,
      20,
    );
    expect(left.at - closedAt).toBeLessThan(1000);
    expect(left.viewings).toEqual([]);
    const after = await teacher.get<{ students: { username: string; state: string }[] }>(
      `/api/classes/${classId}/presence`,
    );
    expect(after.body.students.find((x) => x.username === 's1-g3-1-01')!.state).toBe('left');
  });

  it('keeps classes apart: other classes cannot follow, read the roster or the attendance', async () => {
    const studentA = await ApiClient.as(a.url, 's1-g3-1-01');
    const classA = (await studentA.get<{ user: { classIds: string[] } }>('/api/me')).body.user.classIds[0]!;
    const otherTeacher = await ApiClient.as(a.url, 't-s1-g3-2'); // class 2 of the same grade
    const sock = await connect(a.url, otherTeacher);
    expect((await call(sock, 'presence:subscribe', { classId: classA })).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await otherTeacher.get(`/api/classes/${classA}/presence`)).status).toBe(403);
    expect((await otherTeacher.get(`/api/classes/${classA}/attendance`)).status).toBe(403);
    // A student cannot follow a class either, even their own, nor pretend to be a teacher.
    const studentSock = await connect(a.url, studentA);
    expect((await call(studentSock, 'presence:subscribe', { classId: classA })).error?.code).toBe(
      'FORBIDDEN_SCOPE',
    );
    expect((await studentA.get(`/api/classes/${classA}/presence`)).status).toBe(403);
    // Lead teachers and admins do not send heartbeats (co-teachers do: listening along is their duty);
    // malformed beats are refused with the reason.
    const leadSock = await connect(a.url, await ApiClient.as(a.url, 'lead-g3'));
    expect(
      (await call(leadSock, 'presence:beat', { kind: 'channel', ref: 'grade-3', tab: 'tab-xyz123' })).error
        ?.code,
    ).toBe('FORBIDDEN_ROLE');
    const bad = await call(studentSock, 'presence:beat', { kind: 'tv', ref: '../x', tab: 'tab-xyz123' });
    expect(bad.error?.code).toBe('VALIDATION_FAILED');
    // Attendance cannot be faked: another grade's channel, live lesson or replay, or one that does not exist.
    const g4Live = (
      await (
        await ApiClient.as(a.url, 'lead-g4')
      ).post<{ lesson: { id: string } }>('/api/live', {
        title: '四年级直播',
        grade: 4,
        subject: '数学',
      })
    ).body.lesson.id;
    for (const [kind, ref] of [
      ['channel', 'grade-4'],
      ['channel', 'grade-33'],
      ['live-hls', g4Live],
      ['webrtc', g4Live],
      ['live-hls', 'live_0123456789abcdef'],
      ['vod', 'les_0123456789abcdef'],
    ] as const) {
      const r = await call(studentSock, 'presence:beat', { kind, ref, tab: 'tab-fake01' });
      expect(r.error?.code, `${kind} ${ref}`).toBe('FORBIDDEN_SCOPE');
    }
    expect(
      (await call(studentSock, 'presence:beat', { kind: 'channel', ref: 'grade-3', tab: 'tab-ok01' })).ok,
    ).toBe(true);
  });

  it('computes attendance for the day’s lessons from heartbeats, lists absentees and exports CSV', async () => {
    const admin = await ApiClient.as(a.url, 'admin');
    const now = Date.now();
    const { date } = localParts(now);
    // A live slot on grade 4 that started a minute ago (a short test slot with a recorded override).
    const put = await admin.request('PUT', `/api/timetable/4/${date}`, {
      slots: [
        {
          start: localParts(now - 60_000).time,
          end: localParts(now + 10 * 60_000).time,
          subject: '英语',
          kind: 'live',
          override: { reason: '测试出勤' },
        },
      ],
    });
    expect(put.status).toBe(200);
    const student = await ApiClient.as(a.url, 's1-g4-1-01');
    const classId = (await student.get<{ user: { classIds: string[] } }>('/api/me')).body.user.classIds[0]!;
    const s = await connect(a.url, student);
    expect((await call(s, 'presence:beat', { kind: 'channel', ref: 'grade-4', tab: 'tab-att-1' })).ok).toBe(
      true,
    );
    const teacher = await ApiClient.as(a.url, 't-s1-g4-1');
    const rep = await teacher.get<{
      slots: { title: string }[];
      students: { displayName: string; slots: { status: string; late: boolean }[] }[];
      absentees: { username: string }[];
    }>(`/api/classes/${classId}/attendance`);
    expect(rep.status).toBe(200);
    expect(rep.body.slots.map((x) => x.title)).toEqual(['英语']);
    const watching = rep.body.students.find((x) => x.slots[0]!.status === 'present');
    expect(watching).toBeDefined();
    expect(rep.body.absentees.map((x) => x.username).sort()).toEqual(['s1-g4-1-02']); // demo: 2 students per class in tests
    const csv = await fetch(`${a.url}/api/classes/${classId}/attendance?format=csv`, {
      headers: { authorization: `Bearer ${teacher.token}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel reads it as UTF-8
    const text = bytes.toString('utf8');
    expect(text).toContain('学号,姓名,课程');
    expect(text).toMatch(/s1-g4-1-02,[^,]+,英语,.*缺勤/);
    const week = await teacher.get<{ days: { date: string; lessons: number }[] }>(
      `/api/classes/${classId}/attendance/week`,
    );
    expect(week.body.days).toHaveLength(7);
    expect(week.body.days.at(-1)).toMatchObject({ date, lessons: 1 });
    s.close();
  });

  it('a lesson starting reaches a channel page following it on the other instance (channel:switch), at its time', async () => {
    const admin = await ApiClient.as(a.url, 'admin');
    const student = await ApiClient.as(b.url, 's1-g5-1-01');
    const page = await connect(b.url, student);
    expect(await call(page, 'channel:follow', { channel: 'grade-5' })).toEqual({ ok: true });
    expect((await call(page, 'channel:follow', { channel: '../grade-5' })).error?.code).toBe(
      'VALIDATION_FAILED',
    );
    const got: { channel: string; kind: string; slotId: string; at: number; seen: number }[] = [];
    page.on('channel:switch', (e) => got.push({ ...e, seen: Date.now() }));
    const at = Date.now() + 4000;
    const start = localParts(at);
    const end = localParts(at + 20 * 60_000);
    const put = await admin.put<{ slots: { id: string }[] }>(`/api/timetable/5/${start.date}`, {
      slots: [
        {
          start: start.time,
          end: end.time,
          subject: '科学',
          kind: 'live',
          override: { reason: 'switch test' },
        },
      ],
    });
    expect(put.status).toBe(200);
    const sw = await waitFor(async () => got.find((e) => e.kind === 'start'), 'the start switch', 15_000);
    expect(sw).toMatchObject({ channel: 'grade-5', slotId: put.body.slots[0]!.id });
    expect(sw.seen - Math.floor(at / 1000) * 1000).toBeLessThan(1500); // HH:MM:SS: due at the second
    expect(sw.seen).toBeGreaterThanOrEqual(Math.floor(at / 1000) * 1000);
  });
});
