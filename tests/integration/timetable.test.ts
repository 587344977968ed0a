/** The unified timetable through the real API: rules enforced on every change, imports all-or-nothing, export round-trips. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';

let svc: RunningService;
let admin: ApiClient;
const DATE = '2026-11-23';

beforeAll(async () => {
  svc = await startTestService();
  admin = await ApiClient.as(svc.url, 'admin');
}, 60_000);
afterAll(async () => svc?.close());

interface Err {
  error?: {
    code: string;
    message: string;
    details?: {
      violations?: { rule: string; slot: string; message: Record<string, string> }[];
      errors?: unknown[];
      problems?: string[];
    };
  };
}
const live = (start: string, end: string, subject = '数学') => ({ start, end, subject, kind: 'live' });
const dayOf = async (grade: number) =>
  (
    (
      await admin.get<{ slots: { start: string; subject: string }[] }>(
        `/api/timetable?from=${DATE}&days=1&grade=${grade}`,
      )
    ).body.slots ?? []
  ).map((s) => `${s.start} ${s.subject}`);

describe('timetable', () => {
  it('publishes a valid day and refuses one that breaks the rules, changing nothing', async () => {
    const ok = await admin.request('PUT', `/api/timetable/3/${DATE}`, {
      slots: [live('08:00', '08:20'), live('08:35', '08:55', '语文')],
    });
    expect(ok.status).toBe(200);
    expect(await dayOf(3)).toEqual(['08:00 数学', '08:35 语文']);

    const bad = await admin.request<Err>('PUT', `/api/timetable/3/${DATE}`, {
      slots: [live('08:00', '08:45'), live('08:50', '09:10', '语文')],
    });
    expect(bad.status).toBe(400);
    const rules = bad.body.error!.details!.violations!.map((v) => v.rule).sort();
    // A 45-minute lesson, a 5-minute break: too long, too short a break, and 70 minutes of screen in a row.
    expect(rules).toEqual(['BREAK', 'CONTINUOUS_SCREEN', 'CONTINUOUS_SCREEN', 'LESSON_LENGTH']);
    expect(bad.body.error!.details!.violations![0]!.message['zh-CN']).toMatch(/分钟/);
    expect(await dayOf(3)).toEqual(['08:00 数学', '08:35 语文']); // unchanged
  });

  it('only district admins edit; everyone signed in can read', async () => {
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    expect((await student.request('PUT', `/api/timetable/3/${DATE}`, { slots: [] })).status).toBe(403);
    expect((await student.get(`/api/timetable?from=${DATE}&days=1&grade=3`)).status).toBe(200);
  });

  it('an explicit override passes and is recorded with its reason', async () => {
    const r = await admin.request('PUT', `/api/timetable/4/${DATE}`, {
      slots: [{ ...live('08:00', '08:40'), override: { reason: '期末复习，经教育局同意延长' } }],
    });
    expect(r.status).toBe(200);
    const audit = (await admin.get<{ entries: { action: string; detail: string }[] }>('/api/timetable/audit'))
      .body.entries;
    expect(audit.some((e) => e.action === 'override' && e.detail.includes('期末复习'))).toBe(true);
  });

  it('imports CSV all-or-nothing with a row-level report, and exports it back', async () => {
    const badCsv = [
      'date,grade,start,end,subject,kind,lesson,title,override',
      `${DATE},5,08:00,08:20,数学,live,,,`,
      `${DATE},5,08:25,08:45,语文,live,,,`, // break too short
      `${DATE},5,09:00,09:20,英语,tv,,,`, // bad kind
      `${DATE},5,10:00,10:20,科学,recorded,les_0000000000000000,,`, // no such lesson
    ].join('\n');
    const bad = await admin.post<{
      published: boolean;
      errors: { line: number; message: string }[];
      violations: { line: number; rule: string }[];
    }>('/api/timetable/import', badCsv, 'text/csv');
    expect(bad.body.published).toBe(false);
    expect(bad.body.errors).toEqual([{ line: 4, message: expect.stringContaining('kind') }]);
    expect(bad.body.violations.map((v) => [v.line, v.rule])).toEqual([
      [3, 'BREAK'],
      [5, 'UNKNOWN_LESSON'],
      [3, 'CONTINUOUS_SCREEN'], // two lessons 5 minutes apart are 45 minutes of screen in a row
    ]);
    expect(await dayOf(5)).toEqual([]); // nothing published

    const goodCsv = [
      'date,grade,start,end,subject,kind,lesson,title,override',
      `${DATE},5,08:00,08:20,数学,live,,分数,`,
      `${DATE},5,08:40,09:00,"语文, 阅读",live,,,`,
    ].join('\n');
    const good = await admin.post<{ published: boolean; days: number }>(
      '/api/timetable/import',
      goodCsv,
      'text/csv',
    );
    expect(good.body).toMatchObject({ published: true, days: 1 });
    expect(await dayOf(5)).toEqual(['08:00 数学', '08:40 语文, 阅读']);

    const exported = await fetch(`${svc.url}/api/timetable/export?from=${DATE}&days=1&grade=5`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(exported.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await exported.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM, so Excel shows the Chinese text
    const text = bytes.toString('utf8');
    expect(text.slice(1).startsWith('date,grade,start,end,subject,kind,lesson,title,override')).toBe(true);
    expect(text).toContain('"语文, 阅读"');
    // The export imports again unchanged (round trip), and JSON works too.
    const again = (await admin.post<{ published: boolean }>('/api/timetable/import', text, 'text/csv')).body;
    expect(again, JSON.stringify(again)).toMatchObject({ published: true });
    const json = (
      await admin.get<{ slots: unknown[] }>(`/api/timetable/export?format=json&from=${DATE}&days=1&grade=5`)
    ).body;
    expect((await admin.post<{ published: boolean }>('/api/timetable/import', json)).body.published).toBe(
      true,
    );
    expect(await dayOf(5)).toEqual(['08:00 数学', '08:40 语文, 阅读']);
  });

  it('a school may tighten the rules but not loosen them, and sees where the district day breaks its rules', async () => {
    const schoolAdmin = await ApiClient.as(svc.url, 's1-admin');
    const base = (await schoolAdmin.get<{ rules: Record<string, unknown> }>('/api/timetable/rules')).body
      .rules as {
      minBreakMinutes: number;
      lessonMinutes: Record<string, { min: number; max: number }>;
      dailyLiveMaxMinutes: Record<string, number>;
    };
    const looser = { ...base, minBreakMinutes: 5 };
    const refused = await schoolAdmin.request<Err>('PUT', '/api/timetable/rules/schools/sch_demo1', looser);
    expect(refused.status).toBe(400);
    expect(refused.body.error!.details!.problems![0]).toContain('minBreakMinutes');
    expect((await schoolAdmin.request('PUT', '/api/timetable/rules/schools/sch_demo2', base)).status).toBe(
      403,
    );
    const tighter = { ...base, minBreakMinutes: 30 };
    expect((await schoolAdmin.request('PUT', '/api/timetable/rules/schools/sch_demo1', tighter)).status).toBe(
      200,
    );
    const view = (
      await schoolAdmin.get<{ schoolViolations: { rule: string }[] }>(
        `/api/timetable?from=${DATE}&days=1&grade=3&school=sch_demo1`,
      )
    ).body;
    // Under the school's 30-minute break, the district's 15-minute one leaves 55 minutes of screen in a row.
    expect(view.schoolViolations.map((v) => v.rule)).toEqual(['BREAK', 'CONTINUOUS_SCREEN']);
  });

  it('publishes the guide: channels with now/next, a day’s programme, and XMLTV without signing in', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(
      (
        await admin.request('PUT', `/api/timetable/7/${today}`, {
          slots: [{ ...live('23:59', '23:59'), start: '08:00', end: '08:30', title: '一元一次方程' }],
        })
      ).status,
    ).toBe(200);
    const ch = (await admin.get<{ channels: { id: string; name: string }[] }>('/api/channels')).body.channels;
    expect(ch.map((c) => c.id)).toContain('grade-7');
    expect(ch.find((c) => c.id === 'grade-7')!.name).toBe('七年级 空中课堂');
    const epg = (
      await admin.get<{ programmes: { title: string; start: string }[] }>(
        `/api/channels/grade-7/epg?date=${today}`,
      )
    ).body;
    expect(epg.programmes.map((p) => p.title)).toEqual(['数学：一元一次方程']);
    const xml = await fetch(`${svc.url}/api/epg.xml`);
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toContain('application/xml');
    const text = await xml.text();
    expect(text).toContain(`<programme start="${today.replace(/-/g, '')}080000 +0800"`);
    expect(text.match(/<programme /g)?.length).toBe(text.match(/<\/programme>/g)?.length);
    expect((await admin.get('/api/channels/grade-99/epg')).status).toBe(404);
  });

  it('shows what new rules would break before saving, and refuses rules that break published days', async () => {
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
      new Date(Date.now() + 86400_000),
    );
    const put = await admin.request('PUT', `/api/timetable/4/${tomorrow}`, {
      slots: [live('08:00', '08:20'), live('08:35', '08:55', '语文'), live('09:10', '09:30', '英语')],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const current = (await admin.get<{ rules: Record<string, unknown> }>('/api/timetable/rules')).body.rules;
    const stricter = {
      ...current,
      dailyLessonMaxMinutes: {
        primary_lower: 60,
        primary_upper: 40,
        junior_secondary: 240,
        senior_secondary: 240,
      },
    };
    const preview = await admin.post<{ violations: { rule: string; slot: string }[] }>(
      '/api/timetable/rules/preview',
      { rules: stricter },
    );
    expect(preview.status).toBe(200);
    expect(
      preview.body.violations.filter((v) => v.slot.startsWith(`四年级 ${tomorrow}`)).map((v) => v.rule),
    ).toEqual(['DAILY_TOTAL']);
    const refused = await admin.request<Err>('PUT', '/api/timetable/rules', stricter);
    expect(refused.status).toBe(400);
    expect(refused.body.error!.message).toContain('would break');
    expect(refused.body.error!.details!.violations!.some((v) => v.rule === 'DAILY_TOTAL')).toBe(true);
    // Nothing changed.
    expect((await admin.get<{ rules: Record<string, unknown> }>('/api/timetable/rules')).body.rules).toEqual(
      current,
    );
    const fits = {
      ...current,
      dailyLessonMaxMinutes: {
        primary_lower: 60,
        primary_upper: 90,
        junior_secondary: 240,
        senior_secondary: 240,
      },
    };
    expect((await admin.request('PUT', '/api/timetable/rules', fits)).status).toBe(200);
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    expect((await student.post('/api/timetable/rules/preview', { rules: fits })).status).toBe(403);
    await admin.request('PUT', `/api/timetable/4/${tomorrow}`, { slots: [] });
    expect((await admin.request('PUT', '/api/timetable/rules', current)).status).toBe(200);
  });
});
