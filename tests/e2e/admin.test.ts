/**
 * Administration in real Chromium: the admin menu; the district's rules page
 * shows what stricter rules would break in the published timetable before
 * saving and the server refuses them, listing the lessons; a school admin
 * tightens their own school's rules; the channel guide is in every role's menu.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';

let tomorrow = '';
const suite = browserSuite();
const signIn = suite.signIn;

beforeAll(async () => {
  tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
    new Date(Date.now() + 86400_000),
  );
  const admin = await ApiClient.as(suite.svc.url, 'admin');
  const put = await admin.request('PUT', `/api/timetable/4/${tomorrow}`, {
    slots: ['08:00', '08:35', '09:10'].map((start, i) => ({
      start,
      end: `${start.slice(0, 3)}${String(Number(start.slice(3)) + 20).padStart(2, '0')}`,
      subject: ['数学', '语文', '英语'][i],
      kind: 'live',
    })),
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 120_000);

describe('administration pages', () => {
  it('the district’s rules: stricter figures show what they would break, and are refused with the list', async () => {
    const admin = await signIn('admin');
    await admin.click('[data-testid=nav-admin]');
    await admin.click('[data-testid=admin-rules-link]');
    await admin.waitForSelector('[data-testid=admin-rules]');
    const cell = admin.locator('[data-field=dailyLesson][data-level=primary_upper]');
    expect(await cell.inputValue()).toBe('120');
    await cell.fill('40');
    await admin.click('[data-testid=rules-preview]');
    await admin.locator('[data-testid=rules-violation]').first().waitFor();
    const listed = (await admin.locator('[data-testid=rules-violation]').allTextContents()).join('\n');
    expect(listed).toContain(`四年级 ${tomorrow} 09:10–09:30 英语`);
    expect(listed).toContain('每天最多 40 分钟');
    await admin.click('[data-testid=rules-save]');
    // The preview's finding is on screen already (an error notice too): wait for the save's own answer.
    await admin.locator('.status-area .notice.error', { hasText: '没有保存' }).waitFor();
    expect(await admin.textContent('.status-area')).toContain(`四年级 ${tomorrow} 09:10–09:30 英语`);
    await admin.screenshot({ path: path.join(SHOTS, 'admin-rules.png'), fullPage: true });
    // Figures the timetable meets are saved.
    await cell.fill('90');
    await admin.click('[data-testid=rules-save]');
    await admin.waitForSelector('.status-area .notice.ok');
    const api = await ApiClient.as(suite.svc.url, 'admin');
    const rules = (
      await api.get<{ rules: { dailyLessonMaxMinutes: Record<string, number> } }>('/api/timetable/rules')
    ).body.rules;
    expect(rules.dailyLessonMaxMinutes.primary_upper).toBe(90);
  });

  it('a school admin tightens their own school’s rules on a phone; looser figures are refused', async () => {
    const s1 = await signIn('s1-admin', true);
    await s1.goto(`${suite.svc.url}/#/admin/rules`);
    await s1.waitForSelector('[data-testid=admin-rules]');
    await s1.fill('[data-testid=rules-break]', '5');
    await s1.click('[data-testid=rules-save]');
    await s1.waitForSelector('.status-area .notice.error');
    expect(await s1.textContent('.status-area')).toContain('minBreakMinutes');
    await s1.fill('[data-testid=rules-break]', '20');
    await s1.click('[data-testid=rules-save]');
    await s1.waitForSelector('.status-area .notice.ok');
    await s1.screenshot({ path: path.join(SHOTS, 'admin-rules-school-phone.png'), fullPage: true });
  });

  it('the channel guide is in every role’s menu; the admin menu only in admins’', async () => {
    for (const [u, admin] of [
      ['s1-g3-1-01', false],
      ['p-s1-g3-1-01', false],
      ['t-s1-g3-1', false],
      ['lead-g3', false],
      ['s1-admin', true],
    ] as const) {
      const p = await signIn(u);
      expect(await p.locator('[data-testid=nav-channels]').count(), u).toBe(1);
      expect(await p.locator('[data-testid=nav-admin]').count(), u).toBe(admin ? 1 : 0);
    }
  });

  it('the workload page shows co-teachers’ listening along and homework marked, and who is not listening now', async () => {
    const api = await ApiClient.as(suite.svc.url, 'admin');
    const lead = await ApiClient.as(suite.svc.url, 'lead-g3');
    const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
      title: '在岗检查',
      grade: 3,
      subject: '数学',
    });
    await putLiveSlotNow(api, 3, live.body.lesson.id, '测试：教师在岗');
    const s1 = await signIn('s1-admin');
    await s1.click('[data-testid=nav-admin]');
    await s1.click('[data-testid=admin-workload-link]');
    await s1.waitForSelector('[data-testid=workload]');
    expect(await s1.textContent('[data-testid=workload] thead')).toContain('同步听课（7 天）');
    expect(await s1.locator('[data-testid=work-listened]').first().textContent()).toMatch(/^\d+\/\d+$|^—$/);
    await s1.waitForSelector('[data-testid=duty-gap]');
    const gaps = await s1.locator('[data-testid=duty-gap]').allTextContents();
    expect(gaps.some((g) => g.includes('三年级（1）班') && g.includes('未听课'))).toBe(true);
    await s1.screenshot({ path: path.join(SHOTS, 'admin-workload-duty.png'), fullPage: true });
  });

  it('a live lesson off the timetable: the teacher is told why; the district allows it for an hour; the teacher goes live', async () => {
    const lead = await ApiClient.as(suite.svc.url, 'lead-g3');
    const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
      title: '临时加课',
      grade: 3,
      subject: '数学',
    });
    const id = live.body.lesson.id;
    const refused = await lead.post<{ error: { message: string } }>(`/api/live/${id}/start`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('timetable slot');
    const admin = await signIn('admin');
    await admin.goto(`${suite.svc.url}/#/live`);
    const card = admin.locator(`[data-testid=live-card][data-live-id=${id}]`);
    admin.removeAllListeners('dialog');
    admin.on('dialog', (d) => void d.accept('临时加课：区里的通知'));
    await card.locator('[data-testid=allow-outside-slot]').click();
    await card.locator('.notice.ok').waitFor();
    expect(await card.textContent()).toContain('已允许');
    // Now the teacher may start it (no SFU in this service: past the slot check, 503 NOT_READY).
    const started = await lead.post<{ error?: { code: string } }>(`/api/live/${id}/start`);
    expect(started.body.error?.code ?? 'OK').not.toBe('CONFLICT');
    await admin.screenshot({ path: path.join(SHOTS, 'admin-live-allow.png'), fullPage: true });
  });
});
