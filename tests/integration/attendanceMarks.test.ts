/**
 * Attendance that counts every screen, through the real service: the grade
 * channel's guide shows the lesson's TV check-in code while it airs, a child
 * who enters it is present via TV (wrong codes are limited), co-teachers
 * mark and correct with a reason, every mark is in the class's correction
 * log, the audit log and the CSV, and nobody outside the class can mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';

const CLASS = 'cls_demo_s1_g3_1';

interface Cell {
  slotId: string;
  status: string;
  source?: string;
  reason?: string;
  markedBy?: string;
}

describe('TV check-in and co-teachers’ marks', () => {
  let svc: RunningService;
  let admin: ApiClient;
  let teacher: ApiClient;
  let date = '';
  let code = '';
  let slotId = '';

  beforeAll(async () => {
    svc = await startTestService();
    admin = await ApiClient.as(svc.url, 'admin');
    teacher = await ApiClient.as(svc.url, 't-s1-g3-1');
    const lead = await ApiClient.as(svc.url, 'lead-g3');
    const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
      title: '认识分数',
      grade: 3,
      subject: '数学',
    });
    date = await putLiveSlotNow(admin, 3, live.body.lesson.id, '测试：电视签到');
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
  });

  const day = async () =>
    (
      await teacher.get<{ slots: { slotId: string }[]; students: { username: string; slots: Cell[] }[] }>(
        `/api/classes/${CLASS}/attendance?date=${date}`,
      )
    ).body;

  it('shows the lesson’s check-in code in the guide while it airs', async () => {
    const guide = await teacher.get<{
      channels: { id: string; checkInCode?: string; now: { slotId: string } | null }[];
    }>('/api/channels');
    const g3 = guide.body.channels.find((c) => c.id === 'grade-3')!;
    expect(g3.checkInCode).toMatch(/^\d{4}$/);
    code = g3.checkInCode!;
    slotId = g3.now!.slotId;
    // Channels with nothing on show no code.
    expect(guide.body.channels.find((c) => c.id === 'grade-5')!.checkInCode).toBeUndefined();
  });

  it('counts a child who enters the code as present via TV; a wrong code says so and is limited', async () => {
    const child = await ApiClient.as(svc.url, 's1-g3-1-01');
    const wrong = String((Number(code) + 1) % 10_000).padStart(4, '0');
    const bad = await child.post('/api/attendance/check-in', { code: wrong });
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toMatch(/not the code of “数学”.*4 tries left/);
    const malformed = await child.post('/api/attendance/check-in', { code: '12a4' });
    expect(malformed.status).toBe(400);
    const ok = await child.post<{ slotId: string; title: string }>('/api/attendance/check-in', { code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ slotId, title: '数学' });
    const row = (await day()).students.find((s) => s.username === 's1-g3-1-01')!;
    expect(row.slots[0]).toMatchObject({ status: 'present', source: 'tv' });

    // Guessing: five wrong codes, then told to wait (and the right code does not help meanwhile).
    const guesser = await ApiClient.as(svc.url, 's1-g3-1-02');
    for (let i = 0; i < 5; i++)
      expect((await guesser.post('/api/attendance/check-in', { code: wrong })).status).toBe(400);
    const limited = await guesser.post('/api/attendance/check-in', { code: wrong });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // No lesson of grade 5 on air: a clear refusal.
    const other = await ApiClient.as(svc.url, 's1-g5-1-01');
    const none = await other.post('/api/attendance/check-in', { code });
    expect(none.status).toBe(409);
    expect(none.body.error!.message).toMatch(/No lesson of your grade is on air/);
  });

  it('lets the class’s co-teacher mark and correct with a reason, audited and in the CSV', async () => {
    const before = await day();
    const row = before.students.find((s) => s.username === 's1-g3-1-02')!;
    expect(row.slots[0]).toMatchObject({ status: 'absent', source: 'auto' });
    const studentId = (
      await admin.get<{ students: { id: string; username: string }[] }>(`/api/classes/${CLASS}/students`)
    ).body.students.find((s) => s.username === 's1-g3-1-02')!.id;
    const body = { date, slotId, studentId, status: 'present', reason: 'tv', note: '家长电话确认在看电视' };

    // Outside the class's co-teachers: refused, nothing recorded.
    for (const who of ['t-s1-g3-2', 's1-admin', 's1-g3-1-01', 'lead-g3']) {
      const c = await ApiClient.as(svc.url, who);
      expect((await c.put(`/api/classes/${CLASS}/attendance/marks`, body)).status, who).toBe(403);
    }
    const unknown = await teacher.put(`/api/classes/${CLASS}/attendance/marks`, {
      ...body,
      studentId: 'usr_nobody',
    });
    expect(unknown.status).toBe(400);

    const marked = await teacher.put<{ cell: Cell }>(`/api/classes/${CLASS}/attendance/marks`, body);
    expect(marked.status).toBe(200);
    expect(marked.body.cell).toMatchObject({ status: 'present', source: 'manual', reason: 'tv' });
    const after = (await day()).students.find((s) => s.username === 's1-g3-1-02')!;
    expect(after.slots[0]).toMatchObject({ status: 'present', source: 'manual', reason: 'tv' });

    // A correction of the TV check-in of the other child (it was a sibling's code): absent, with the reason.
    const first = (
      await admin.get<{ students: { id: string; username: string }[] }>(`/api/classes/${CLASS}/students`)
    ).body.students.find((s) => s.username === 's1-g3-1-01')!.id;
    await teacher.put(`/api/classes/${CLASS}/attendance/marks`, {
      date,
      slotId,
      studentId: first,
      status: 'absent',
      reason: 'other',
      note: '签到码是兄弟姐妹输入的',
    });

    const log = await teacher.get<{
      corrections: { studentName: string; was: string; status: string; byName: string }[];
    }>(`/api/classes/${CLASS}/attendance/corrections`);
    expect(log.body.corrections.map((c) => [c.was, c.status])).toEqual([
      ['present/tv', 'absent'],
      ['absent/auto', 'present'],
    ]);
    const audit = await admin.get<{ entries: { action: string; detail?: string }[] }>('/api/audit');
    expect(audit.body.entries.filter((e) => e.action === 'attendance.mark')).toHaveLength(2);

    const csv = await teacher.request('GET', `/api/classes/${CLASS}/attendance?date=${date}&format=csv`);
    const text = String(csv.body);
    expect(text).toContain('来源');
    expect(text).toMatch(/s1-g3-1-02,.*出勤,教师标记,电视收看,家长电话确认在看电视/);
    expect(text).toMatch(/s1-g3-1-01,.*缺勤,教师标记,其他,签到码是兄弟姐妹输入的/);
  });

  it('exports the term per student (marks and check-ins included), as JSON for the chart and as CSV', async () => {
    const term = await teacher.get<{
      students: {
        username: string;
        lessons: number;
        present: number;
        absent: number;
        marked: number;
        percent: number;
      }[];
    }>(`/api/classes/${CLASS}/attendance/term?from=${date}&to=${date}`);
    expect(term.status).toBe(200);
    const by = new Map(term.body.students.map((s) => [s.username, s]));
    expect(by.get('s1-g3-1-01')).toMatchObject({ lessons: 1, present: 0, absent: 1, marked: 1, percent: 0 });
    expect(by.get('s1-g3-1-02')).toMatchObject({
      lessons: 1,
      present: 1,
      absent: 0,
      marked: 1,
      percent: 100,
    });
    const csv = await teacher.request(
      'GET',
      `/api/classes/${CLASS}/attendance/term?from=${date}&to=${date}&format=csv`,
    );
    expect(String(csv.body)).toMatch(/s1-g3-1-02,[^,]+,1,1,0,0,0,1,100/);
    const tooLong = await teacher.get(`/api/classes/${CLASS}/attendance/term?from=2026-01-01&to=2026-12-31`);
    expect(tooLong.body.error!.message).toMatch(/1 to 200 days/);
    const otherTeacher = await ApiClient.as(svc.url, 't-s1-g3-2');
    expect(
      (await otherTeacher.get(`/api/classes/${CLASS}/attendance/term?from=${date}&to=${date}`)).status,
    ).toBe(403);
  });
});
