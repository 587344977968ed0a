/**
 * Teachers on duty (教师在岗 / 同步听课) through the real service: a
 * co-teacher's player sends heartbeats like a student's; the class's duty
 * report shows who listened along to each lesson, the school admin sees who
 * did not (their school only), and the workload page counts lessons listened
 * to and homework marked over 7 days.
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { liveLessonNow } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';

const CLASS = 'cls_demo_s1_g3_1';
let svc: RunningService;
const sockets = new SocketPool();
const call = (s: Socket, event: string, payload: unknown) => ack(s, event, payload);

beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => {
  sockets.closeAll();
  await svc?.close();
});

describe('teachers on duty', () => {
  it('records a co-teacher listening along from their player, and who did not', async () => {
    const { date } = await liveLessonNow(svc.url, '认识分数', '测试：同步听课');
    const teacher = await ApiClient.as(svc.url, 't-s1-g3-1');
    const s = await sockets.connect(svc.url, teacher.token);
    const beat = { kind: 'channel', ref: 'grade-3', position: 0, device: 'desktop', tab: 'duty-tab' };
    expect(await call(s, 'presence:beat', beat)).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 1200));
    expect(await call(s, 'presence:beat', { ...beat, position: 1 })).toEqual({ ok: true });

    const duty = await teacher.get<{
      slots: { slotId: string }[];
      teachers: { displayName: string; id: string; slots: { status: string }[] }[];
    }>(`/api/classes/${CLASS}/duty?date=${date}`);
    expect(duty.status).toBe(200);
    const me = (await teacher.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const math = (await svc.core.store.findByUsername('t-s1-g3-math'))!.id;
    const byId = new Map(duty.body.teachers.map((t) => [t.id, t.slots[0]!.status]));
    expect(byId.get(me)).toBe('present');
    expect(byId.get(math)).toBe('absent');

    const s1admin = await ApiClient.as(svc.url, 's1-admin');
    const gaps = await s1admin.get<{ gaps: { classId: string; teacherId: string }[] }>('/api/duty/gaps');
    expect(gaps.body.gaps.some((g) => g.classId === CLASS && g.teacherId === math)).toBe(true);
    expect(gaps.body.gaps.some((g) => g.teacherId === me)).toBe(false);
    expect(gaps.body.gaps.every((g) => g.classId.startsWith('cls_demo_s1_'))).toBe(true);
    // A district admin sees the same gap for that school; a school admin naming another school is
    // refused (not silently shown their own); others may not look.
    const district = await ApiClient.as(svc.url, 'admin');
    const ofSchool = await district.get<{ gaps: { classId: string; teacherId: string }[] }>(
      '/api/duty/gaps?school=sch_demo1',
    );
    expect(ofSchool.body.gaps.some((g) => g.classId === CLASS && g.teacherId === math)).toBe(true);
    expect(ofSchool.body.gaps.every((g) => g.classId.startsWith('cls_demo_s1_'))).toBe(true);
    const other = await s1admin.get<{ error: { message: string } }>('/api/duty/gaps?school=sch_demo2');
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain('your own school');
    expect((await (await ApiClient.as(svc.url, 's1-g3-1-01')).get('/api/duty/gaps')).status).toBe(403);
    expect((await (await ApiClient.as(svc.url, 't-s1-g3-2')).get(`/api/classes/${CLASS}/duty`)).status).toBe(
      403,
    );

    // The workload page: lessons listened to (of the lessons of their classes) and homework marked.
    const hw = await teacher.post<{ assignment: { id: string } }>('/api/homework', {
      classIds: [CLASS],
      subject: '语文',
      title: '在岗测试',
      dueAt: new Date(Date.now() + 3600_000).toISOString(),
      expectedMinutes: 10,
    });
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    await student.put(`/api/homework/${hw.body.assignment.id}/submission`, { text: '交了' });
    const studentId = (await student.get<{ user: { id: string } }>('/api/me')).body.user.id;
    expect(
      (
        await teacher.post(`/api/homework/${hw.body.assignment.id}/submissions/${studentId}/mark`, {
          grade: 'good',
        })
      ).status,
    ).toBe(200);
    const work = await s1admin.get<{
      days: number;
      teachers: {
        id: string;
        lessonsListened?: number;
        lessonsOfClasses?: number;
        homeworkMarked?: number;
      }[];
    }>('/api/workload');
    expect(work.body.days).toBe(7);
    const row = work.body.teachers.find((t) => t.id === me)!;
    expect(row).toMatchObject({ lessonsListened: 1, lessonsOfClasses: 1, homeworkMarked: 1 });
    expect(work.body.teachers.find((t) => t.id === math)).toMatchObject({
      lessonsListened: 0,
      lessonsOfClasses: 1,
    });
  });
});
