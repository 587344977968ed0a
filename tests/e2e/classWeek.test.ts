/**
 * A class's week in real Chromium: the class teacher plans activities around
 * the grade channel (a clash with a grade lesson is refused with the reason
 * under the form; the fixed day is saved), the student sees one merged week
 * on a phone, the parent sees their child's week; nobody outside the class
 * plans it.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/ApiClient.ts';

const CLASS = 'cls_demo_s1_g3_1';
const DATE = '2030-01-07'; // a Monday
const suite = browserSuite();
const signIn = suite.signIn;

beforeAll(async () => {
  const admin = await ApiClient.as(suite.svc.url, 'admin');
  const put = await admin.request('PUT', `/api/timetable/3/${DATE}`, {
    slots: [
      { start: '08:00', end: '08:20', subject: '数学', kind: 'live' },
      { start: '08:35', end: '08:55', subject: '语文', kind: 'live' },
    ],
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 120_000);

describe('a class’s week', () => {
  it('the class teacher plans activities around the grade’s lessons; a clash is refused with the reason', async () => {
    const teacher = await signIn('t-s1-g3-1');
    await teacher.goto(`${suite.svc.url}/#/class/${CLASS}`);
    await teacher.click('[data-testid=open-week]');
    await teacher.waitForSelector('[data-testid=class-week]');
    await teacher.goto(`${suite.svc.url}/#/class/${CLASS}/week?from=${DATE}`);
    await teacher.waitForSelector(`[data-date="${DATE}"] [data-testid=week-lesson]`);
    await teacher.click(`[data-date="${DATE}"] [data-testid=act-edit]`);
    await teacher.click('[data-testid=act-add]');
    const row = teacher.locator('[data-testid=act-row]').first();
    await row.locator('[data-f=start]').fill('08:10');
    await row.locator('[data-f=end]').fill('08:30');
    await row.locator('[data-f=kind]').selectOption('qa');
    await row.locator('[data-f=title]').fill('数学答疑');
    await teacher.click('[data-testid=act-save]');
    await teacher.locator('[data-testid=act-violation]').first().waitFor();
    expect((await teacher.locator('[data-testid=act-violation]').allTextContents()).join(' ')).toContain(
      '和年级课《数学》08:00–08:20 时间冲突',
    );
    await teacher.screenshot({ path: path.join(SHOTS, 'week-clash.png'), fullPage: true });
    await row.locator('[data-f=start]').fill('15:40');
    await row.locator('[data-f=end]').fill('17:00');
    await teacher.click('[data-testid=act-add]');
    const pe = teacher.locator('[data-testid=act-row]').nth(1);
    await pe.locator('[data-f=start]').fill('09:30');
    await pe.locator('[data-f=end]').fill('09:50');
    await pe.locator('[data-f=kind]').selectOption('pe');
    await pe.locator('[data-f=title]').fill('居家跳绳');
    await teacher.click('[data-testid=act-save]');
    await teacher.waitForSelector(`[data-date="${DATE}"] [data-testid=week-activity] >> text=居家跳绳`);
    const items = await teacher.locator(`[data-date="${DATE}"] .week-item strong`).allTextContents();
    expect(items).toEqual(['数学', '语文', '居家跳绳', '数学答疑']);
    await teacher.screenshot({ path: path.join(SHOTS, 'week-teacher.png'), fullPage: true });
  });

  it('the student sees one merged week on a phone; the parent sees the child’s week', async () => {
    const student = await signIn('s1-g3-1-01', true);
    await student.click('[data-testid=home-week]');
    await student.waitForSelector('[data-testid=class-week]');
    await student.goto(`${suite.svc.url}/#/class/${CLASS}/week?from=${DATE}`);
    await student.waitForSelector(`[data-date="${DATE}"] [data-testid=week-activity] >> text=数学答疑`);
    expect(await student.locator('[data-testid=act-edit]').count()).toBe(0);
    await student.screenshot({ path: path.join(SHOTS, 'week-student-phone.png'), fullPage: true });

    const parent = await signIn('p-s1-g3-1-01', true);
    await parent.click('[data-testid=fam-week]');
    await parent.waitForSelector('[data-testid=class-week]');
    const url = new URL(parent.url());
    await parent.goto(`${suite.svc.url}/${url.hash.split('?')[0]}?from=${DATE}`);
    await parent.waitForSelector(`[data-date="${DATE}"] [data-testid=week-activity] >> text=居家跳绳`);
  });

  it('nobody outside the class plans its week', async () => {
    const body = { activities: [{ start: '19:00', end: '19:20', kind: 'meeting', title: '班会' }] };
    for (const u of ['t-s1-g3-2', 's1-g3-1-01', 's2-admin', 'lead-g3', 'p-s1-g3-1-01']) {
      const c = await ApiClient.as(suite.svc.url, u);
      expect((await c.request('PUT', `/api/classes/${CLASS}/activities/${DATE}`, body)).status, u).toBe(403);
    }
    const other = await ApiClient.as(suite.svc.url, 's1-g3-2-01');
    expect((await other.get(`/api/classes/${CLASS}/week`)).status).toBe(403);
    const schoolAdmin = await ApiClient.as(suite.svc.url, 's1-admin');
    const week = await schoolAdmin.get<{ days: { date: string; items: unknown[] }[] }>(
      `/api/classes/${CLASS}/week?from=${DATE}`,
    );
    expect(week.body.days[0]!.items).toHaveLength(4);
  });
});
