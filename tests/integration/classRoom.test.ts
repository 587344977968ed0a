/**
 * The class room on a real instance: only the class's students and
 * co-teachers join or read; questions, answers, hand raising, pin, delete
 * and mute; links and ads refused with a notice; paged history; workload
 * and per-student export/delete for school admins.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';

let svc: RunningService;
const sockets = new SocketPool();
beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => {
  sockets.closeAll();
  await svc?.close();
});

type Reply = {
  ok?: true;
  error?: { code: string; message: string; messageZh?: string; reason?: string };
  [k: string]: unknown;
};
const connect = (who: ApiClient) => sockets.connect(svc.url, who.token);
const call = (s: Socket, ev: string, payload: unknown) => ack<Reply>(s, ev, payload);
const classOf = async (who: ApiClient) =>
  (await who.get<{ user: { classIds: string[]; id: string } }>('/api/me')).body.user;

describe('class room', () => {
  it('is for the class only; questions get answers; hands, pins, deletes and mutes work; ads and links are refused', async () => {
    const [stu, stu2, other, teacher, otherTeacher] = (await Promise.all(
      ['s1-g3-1-01', 's1-g3-1-02', 's1-g3-2-01', 't-s1-g3-1', 't-s1-g3-2'].map((u) =>
        ApiClient.as(svc.url, u),
      ),
    )) as [ApiClient, ApiClient, ApiClient, ApiClient, ApiClient];
    const me = await classOf(stu);
    const classId = me.classIds[0]!;
    const [ss, ss2, so, st, sot] = (await Promise.all(
      [stu, stu2, other, teacher, otherTeacher].map((w) => connect(w)),
    )) as [Socket, Socket, Socket, Socket, Socket];

    // Outsiders (another class's student and teacher) can neither join nor read the history.
    expect((await call(so, 'room:join', { classId })).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await call(sot, 'room:join', { classId })).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await call(so, 'room:send', { classId, text: '你好' })).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await other.get(`/api/classes/${classId}/room/messages`)).status).toBe(403);
    expect((await otherTeacher.get(`/api/classes/${classId}/room/messages`)).status).toBe(403);

    for (const s of [ss, ss2, st]) expect((await call(s, 'room:join', { classId })).ok).toBe(true);
    const seen: {
      id: number;
      text: string;
      kind: string;
      pinned?: boolean;
      deleted?: boolean;
      answeredBy?: number;
    }[] = [];
    st.on('room:message', (m) => seen.push(m));

    // A question with a raised hand; the teacher answers; the hand goes down.
    expect((await call(ss, 'room:hand', { classId, up: true })).ok).toBe(true);
    const q = await call(ss, 'room:send', { classId, kind: 'question', text: '老师，3/4 和 6/8 一样大吗？' });
    expect(q.ok).toBe(true);
    const qid = (q.message as { id: number }).id;
    const ans = await call(st, 'room:answer', {
      classId,
      questionId: qid,
      text: '一样大，约分以后都是 3/4。',
    });
    expect(ans.ok).toBe(true);
    await waitFor(
      async () => seen.some((m) => m.id === qid && m.answeredBy),
      'the question marked answered',
      2000,
      20,
    );
    expect((await call(ss, 'room:answer', { classId, questionId: qid, text: 'x' })).error?.code).toBe(
      'FORBIDDEN_ROLE',
    );

    // Links and ads are refused with a notice and never stored.
    const link = await call(ss2, 'room:send', { classId, text: '答案在 www.example.com' });
    expect(link.error?.code).toBe('MESSAGE_BLOCKED');
    expect(link.error?.messageZh).toMatch(/不能发链接/);
    expect((await call(ss2, 'room:send', { classId, text: '代写作业 便宜' })).error?.reason).toBe('ad');

    // Pin, delete, mute.
    const chat = await call(ss2, 'room:send', { classId, text: '我也想问这个' });
    const cid = (chat.message as { id: number }).id;
    expect((await call(st, 'room:pin', { classId, messageId: qid })).ok).toBe(true);
    expect((await call(st, 'room:delete', { classId, messageId: cid })).ok).toBe(true);
    expect((await call(ss, 'room:delete', { classId, messageId: qid })).error?.code).toBe('FORBIDDEN_ROLE');
    const stu2Id = (await classOf(stu2)).id;
    const mute = await call(st, 'room:mute', { classId, userId: stu2Id, minutes: 5 });
    expect(mute.ok).toBe(true);
    const muted = await call(ss2, 'room:send', { classId, text: '还能说话吗' });
    expect(muted.error?.messageZh).toMatch(/分钟后可以再发言/);
    expect(
      (await call(st, 'room:mute', { classId, userId: (await classOf(other)).id, minutes: 5 })).error?.code,
    ).toBe('NOT_FOUND'); // not in this class

    // History: paged, deleted messages keep their place without their text, blocked ones were never stored.
    const hist = await stu.get<{
      messages: { id: number; text: string; deleted?: boolean; pinned?: boolean }[];
      more: boolean;
    }>(`/api/classes/${classId}/room/messages?limit=2`);
    expect(hist.body.messages.map((m) => m.id)).toEqual([qid + 1, cid]);
    expect(hist.body.more).toBe(true);
    expect(hist.body.messages.find((m) => m.id === cid)).toMatchObject({ deleted: true, text: '' });
    const older = await stu.get<{ messages: { id: number; pinned?: boolean }[]; more: boolean }>(
      `/api/classes/${classId}/room/messages?before=${qid + 1}`,
    );
    expect(older.body.messages.map((m) => m.id)).toEqual([qid]);
    expect(older.body.messages[0]!.pinned).toBe(true);
    expect(older.body.more).toBe(false);
  });

  it('gives school admins workload figures and each student’s data to export and delete', async () => {
    const admin = await ApiClient.as(svc.url, 's1-admin');
    const work = await admin.get<{
      teachers: { username: string; questionsAnswered: number; classesFollowed: number }[];
    }>('/api/workload');
    expect(work.body.teachers.find((t) => t.username === 't-s1-g3-1')).toMatchObject({
      questionsAnswered: 1,
    });
    expect(work.body.teachers.find((t) => t.username === 't-s1-g3-math')!.classesFollowed).toBe(2);
    expect(work.body.teachers.some((t) => t.username.startsWith('t-s2-'))).toBe(false); // another school

    const stu = await ApiClient.as(svc.url, 's1-g3-1-01');
    const id = (await classOf(stu)).id;
    const exp = await admin.get<{ account: { username: string }; messages: { text: string }[] }>(
      `/api/students/${id}/data`,
    );
    expect(exp.body.account.username).toBe('s1-g3-1-01');
    expect(JSON.stringify(exp.body)).not.toMatch(/passwordHash|scrypt/);
    // A username works as well as the id (what a school has at hand when a family asks).
    expect(
      (await admin.get<{ account: { id: string } }>('/api/students/s1-g3-1-01/data')).body.account.id,
    ).toBe(id);
    expect(exp.body.messages.map((m) => m.text)).toEqual(['老师，3/4 和 6/8 一样大吗？']);
    expect((await (await ApiClient.as(svc.url, 's2-admin')).get(`/api/students/${id}/data`)).status).toBe(
      403,
    );
    expect((await (await ApiClient.as(svc.url, 't-s1-g3-1')).get(`/api/students/${id}/data`)).status).toBe(
      403,
    );
    const del = await admin.request<{ removedMessages: number }>('DELETE', `/api/students/${id}/data`);
    expect(del.body.removedMessages).toBe(1);
    const after = await admin.get<{ messages: unknown[] }>(`/api/students/${id}/data`);
    expect(after.body.messages.every((m) => (m as { text: string }).text === '')).toBe(true);
  });
});
