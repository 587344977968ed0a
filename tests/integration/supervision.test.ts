/**
 * Supervision roll-ups (督导) through the real service: a live slot on the
 * grade-3 channel, one student of a class watching (heartbeats over
 * socket.io), asking a question the co-teacher answers, handing in the day's
 * homework, the class teacher listening along; the district admin's view
 * district → school → grade → class, per day, as CSV; a school admin sees
 * their school only; everyone else is refused; bad ranges are explained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { liveLessonNow } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';

const CLASS = 'cls_demo_s1_g3_1';
let svc: RunningService;
const sockets = new SocketPool();

interface Figures {
  classes: number;
  students: number;
  lessons: number;
  cells: number;
  present: number;
  absent: number;
  attendancePct: number | null;
  questions: number;
  answers: number;
  homeworkDue: number;
  homeworkDone: number;
  homeworkPct: number | null;
  dutyCells: number;
  dutyListened: number;
}
interface View {
  scope: { level: string; id: string; name: string };
  parents: { level: string; id: string }[];
  from: string;
  to: string;
  today: string;
  computedAt: number | null;
  totals: Figures;
  days: { date: string; summarised: boolean; figures: Figures }[];
  children: { level: string; id: string; name: string; school?: string; grade?: number; figures: Figures }[];
}

beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => {
  sockets.closeAll();
  await svc?.close();
});

describe('supervision roll-ups', () => {
  it('rolls a class’s day up to its grade, school and the district, per day and as CSV', async () => {
    const { admin, date } = await liveLessonNow(svc.url, '督导测试', '测试：督导');

    // Before anything is summarised today, the view says so (no figures, not an error).
    const empty = await admin.get<View>(`/api/supervision?class=${CLASS}&from=${date}&to=${date}`);
    expect(empty.status).toBe(200);

    // One student watches and asks; the co-teacher answers and listens along; homework handed in.
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    const teacher = await ApiClient.as(svc.url, 't-s1-g3-1');
    const ss = await sockets.connect(svc.url, student.token);
    const ts = await sockets.connect(svc.url, teacher.token);
    const beat = { kind: 'channel', ref: 'grade-3', position: 0, device: 'desktop' };
    expect(await ack(ss, 'presence:beat', { ...beat, tab: 'sup-student' })).toEqual({ ok: true });
    expect(await ack(ts, 'presence:beat', { ...beat, tab: 'sup-teacher' })).toEqual({ ok: true });
    await ack(ss, 'room:join', { classId: CLASS });
    await ack(ts, 'room:join', { classId: CLASS });
    const q = await ack<{ message: { id: number } }>(ss, 'room:send', {
      classId: CLASS,
      kind: 'question',
      text: '分数怎么比大小？',
    });
    await ack(ts, 'room:answer', { classId: CLASS, questionId: q.message.id, text: '先通分' });
    await ack(ss, 'room:send', { classId: CLASS, kind: 'chat', text: '谢谢老师' }); // chat is not counted
    const hw = await teacher.post<{ assignment: { id: string } }>('/api/homework', {
      classIds: [CLASS],
      subject: '数学',
      title: '督导测试作业',
      dueAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      expectedMinutes: 10,
    });
    expect(hw.status, JSON.stringify(hw.body)).toBe(201);
    expect(
      (await student.put(`/api/homework/${hw.body.assignment.id}/submission`, { text: '做完了' })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    await ack(ss, 'presence:beat', { ...beat, position: 1, tab: 'sup-student' });
    await ack(ts, 'presence:beat', { ...beat, position: 1, tab: 'sup-teacher' });

    // Summaries are made in the background; an admin may ask for today's now (once per 30 s).
    const refreshed = await admin.post<{ classes: number; date: string }>('/api/supervision/refresh', {});
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.date).toBe(date);
    const again = await admin.post('/api/supervision/refresh', {});
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/);

    // The class: 2 students, 1 lesson begun; one present, one absent; 1 question, 1 answer; homework 1 of 2.
    const cls = await admin.get<View>(`/api/supervision?class=${CLASS}&from=${date}&to=${date}`);
    expect(cls.status).toBe(200);
    expect(cls.body.scope).toMatchObject({ level: 'class', id: CLASS });
    expect(cls.body.parents.map((p) => p.level)).toEqual(['district', 'school', 'grade']);
    expect(cls.body.children).toEqual([]);
    expect(cls.body.totals).toMatchObject({
      classes: 1,
      students: 2,
      lessons: 1,
      cells: 2,
      present: 1,
      absent: 1,
      attendancePct: 50,
      questions: 1,
      answers: 1,
      homeworkDue: 2,
      homeworkDone: 1,
      homeworkPct: 50,
    });
    const coTeachers = (await svc.core.store.listClassTeachers(CLASS)).filter((t) => t.role === 'co_teacher');
    expect(cls.body.totals.dutyCells).toBe(coTeachers.length);
    expect(cls.body.totals.dutyListened).toBe(1);
    expect(cls.body.days).toHaveLength(1);
    expect(cls.body.days[0]).toMatchObject({ date, summarised: true });
    expect(cls.body.computedAt).toBeGreaterThan(Date.now() - 60_000);

    // The grade of the school: its classes; the school: its grades; the district: its schools.
    const grade = await admin.get<View>(`/api/supervision?school=sch_demo1&grade=3&from=${date}&to=${date}`);
    expect(grade.body.scope.level).toBe('grade');
    const row = grade.body.children.find((c) => c.id === CLASS)!;
    expect(row.figures).toMatchObject({ present: 1, questions: 1, homeworkDone: 1 });
    const other = grade.body.children.find((c) => c.id !== CLASS)!;
    expect(other.figures).toMatchObject({ present: 0, absent: 2, questions: 0 });
    const school = await admin.get<View>(`/api/supervision?school=sch_demo1&from=${date}&to=${date}`);
    expect(school.body.children.map((c) => c.level)).toContain('grade');
    expect(school.body.children.find((c) => c.grade === 3)!.figures.present).toBe(1);
    const district = await admin.get<View>(`/api/supervision?from=${date}&to=${date}`);
    expect(district.body.scope.level).toBe('district');
    expect(district.body.totals.classes).toBe((await svc.core.store.listClasses()).length);
    const s1 = district.body.children.find((c) => c.id === 'sch_demo1')!;
    expect(s1.figures).toMatchObject({ present: 1, questions: 1, answers: 1, homeworkDone: 1 });
    expect(district.body.children.find((c) => c.id === 'sch_demo2')!.figures.present).toBe(0);
    // Grade-3 classes had a lesson; the other grades had none today.
    expect(district.body.totals.lessons).toBe(
      (await svc.core.store.listClasses()).filter((c) => c.grade === 3).length,
    );

    // A week: the seven days up to today in the district's time zone (no "to": the server's today,
    // not the caller's clock), the earlier ones not summarised (this service started today).
    const weekFrom = new Date(Date.parse(`${date}T12:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    const week = await admin.get<View>('/api/supervision?days=7');
    expect(week.body).toMatchObject({ from: weekFrom, to: date, today: date });
    expect(week.body.days).toHaveLength(7);
    expect(week.body.days.at(-1)).toMatchObject({ date, summarised: true });
    expect(week.body.days[0]!.summarised).toBe(false);
    expect(week.body.totals.present).toBe(1);

    // CSV: Chinese headers, one row per school, the total.
    const csv = await admin.media(`/api/supervision?from=${date}&to=${date}&format=csv`, {
      authorization: `Bearer ${admin.token}`,
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/supervision-district-.*\.csv/);
    const text = await csv.text();
    expect(text).toContain('出勤率%');
    expect(text).toContain('东城第一实验学校');
    expect(text).toMatch(/合计：/);
  });

  it('keeps school admins to their school and everyone else out; explains bad ranges', async () => {
    const s1 = await ApiClient.as(svc.url, 's1-admin');
    const own = await s1.get<View>('/api/supervision');
    expect(own.status).toBe(200);
    expect(own.body.scope).toMatchObject({ level: 'school', id: 'sch_demo1' });
    expect(own.body.parents).toEqual([]);
    expect((await s1.get('/api/supervision?school=sch_demo2')).status).toBe(403);
    expect((await s1.get('/api/supervision?class=cls_demo_s2_g3_1')).status).toBe(403);
    expect((await s1.post('/api/supervision/refresh', { school: 'sch_demo2' })).status).toBe(403);
    for (const u of ['lead-g3', 't-s1-g3-1', 's1-g3-1-01', 'p-s1-g3-1-01']) {
      const c = await ApiClient.as(svc.url, u);
      expect((await c.get('/api/supervision')).status, u).toBe(403);
      expect((await c.post('/api/supervision/refresh', {})).status, u).toBe(403);
    }
    const admin = await ApiClient.as(svc.url, 'admin');
    const backwards = await admin.get<{ error: { code: string; message: string } }>(
      '/api/supervision?from=2026-12-10&to=2026-12-01',
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.message).toContain('1 to 31 days');
    expect((await admin.get('/api/supervision?from=2026-01-01&to=2026-03-01')).status).toBe(400);
    expect((await admin.get('/api/supervision?grade=3')).status).toBe(400);
    expect((await admin.get('/api/supervision?school=sch_nope')).status).toBe(404);
    expect((await admin.get('/api/supervision?from=2026-13-01')).status).toBe(400);
    expect((await admin.get('/api/supervision?days=32')).status).toBe(400);
    const both = await admin.get<{ error: { message: string } }>(
      '/api/supervision?from=2026-12-01&days=7&to=2026-12-07',
    );
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain('either "from" or "days"');
  });
});
