/**
 * Supervision (督导统计) in real Chromium: a lesson on the grade-3 channel
 * now, one student watching, a question answered, homework handed in; the
 * district admin opens 管理 → 督导统计, refreshes today, reads the tiles and
 * each school, goes down school → grade → class, switches day/week and
 * downloads the CSV; a school admin sees their own school only (on a phone).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { liveLessonNow } from '../helpers/channelDay.ts';

const CLASS = 'cls_demo_s1_g3_1';
const suite = browserSuite();
const sockets = new SocketPool();

beforeAll(async () => {
  const url = suite.svc.url;
  await liveLessonNow(url, '督导演示', '测试：督导统计');
  const student = await ApiClient.as(url, 's1-g3-1-01');
  const teacher = await ApiClient.as(url, 't-s1-g3-1');
  const ss = await sockets.connect(url, student.token);
  const ts = await sockets.connect(url, teacher.token);
  await ack(ss, 'presence:beat', {
    kind: 'channel',
    ref: 'grade-3',
    position: 0,
    device: 'phone',
    tab: 'sup-e2e-s',
  });
  await ack(ss, 'room:join', { classId: CLASS });
  await ack(ts, 'room:join', { classId: CLASS });
  const q = await ack<{ message: { id: number } }>(ss, 'room:send', {
    classId: CLASS,
    kind: 'question',
    text: '老师好',
  });
  await ack(ts, 'room:answer', { classId: CLASS, questionId: q.message.id, text: '你好' });
  const hw = await teacher.post<{ assignment: { id: string } }>('/api/homework', {
    classIds: [CLASS],
    subject: '数学',
    title: '督导演示作业',
    dueAt: new Date(Date.now() + 30 * 60_000).toISOString(),
    expectedMinutes: 10,
  });
  await student.put(`/api/homework/${hw.body.assignment.id}/submission`, { text: '交了' });
  await new Promise((r) => setTimeout(r, 1100));
  await ack(ss, 'presence:beat', {
    kind: 'channel',
    ref: 'grade-3',
    position: 1,
    device: 'phone',
    tab: 'sup-e2e-s',
  });
  sockets.closeAll();
}, 120_000);

describe('supervision page', () => {
  it('district → school → grade → class, day and week, refresh and CSV', async () => {
    const page = await suite.signIn('admin');
    await page.click('[data-testid=nav-admin]');
    await page.click('[data-testid=admin-supervision-link]');
    await page.waitForSelector('[data-testid=supervision]');
    // Refresh today (the background sweep may or may not have run yet): the figures are redrawn in place.
    await page.click('[data-testid=sup-refresh]');
    await page.waitForSelector('[data-testid=supervision] .notice.ok');
    await page.waitForSelector('[data-testid=sup-stamp]');
    expect(await page.textContent('[data-testid=sup-questions] strong')).toBe('1');
    // The week: seven days in the chart, each school in the table.
    expect(await page.locator('[data-testid=sup-days] .bar-col').count()).toBe(7);
    const schools = await page.locator('[data-testid=sup-children] tbody tr').allTextContents();
    expect(schools.join('\n')).toContain('东城第一实验学校');
    await page.screenshot({ path: path.join(SHOTS, 'supervision-district.png'), fullPage: true });

    // CSV of the district: one row per school and the total.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=sup-csv]'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^supervision-district-.*\.csv$/);

    // Down: the school, grade 3, the class.
    await page.click('[data-testid=sup-children] tr[data-id=sch_demo1] a');
    await page.waitForSelector('[data-testid=sup-crumbs] >> text=东城第一实验学校');
    await page.click('[data-testid=sup-children] tr[data-id="sch_demo1:3"] a');
    await page.waitForSelector(`[data-testid=sup-children] tr[data-id=${CLASS}]`);
    const classRow = await page.textContent(`[data-testid=sup-children] tr[data-id=${CLASS}]`);
    expect(classRow).toContain('50%'); // 1 of its 2 students watched; 1 of 2 handed in
    await page.screenshot({ path: path.join(SHOTS, 'supervision-grade.png'), fullPage: true });
    await page.click(`[data-testid=sup-children] tr[data-id=${CLASS}] a`);
    await page.waitForSelector('[data-testid=sup-class-dashboard]');
    expect(await page.textContent('[data-testid=sup-attendance] strong')).toBe('50%');
    expect(await page.textContent('[data-testid=sup-homework] strong')).toBe('50%');
    // One day: no day chart.
    await page.click('[data-testid=sup-range-day]');
    await page.waitForSelector('[data-testid=sup-range-day].active');
    expect(await page.locator('[data-testid=sup-days]').count()).toBe(0);
    expect(await page.textContent('[data-testid=sup-attendance] strong')).toBe('50%');
    // Up again through the breadcrumb.
    await page.click('[data-testid=sup-crumbs] a >> nth=0');
    await page.waitForSelector('[data-testid=sup-children] tr[data-id=sch_demo2]');
  });

  it('a school admin sees their own school only, on a phone', async () => {
    const page = await suite.signIn('s1-admin', true);
    await page.goto(`${suite.svc.url}/#/admin/supervision`);
    await page.waitForSelector('[data-testid=supervision]');
    expect(await page.textContent('[data-testid=sup-crumbs]')).toContain('东城第一实验学校');
    expect(await page.locator('[data-testid=sup-crumbs] a').count()).toBe(0);
    await page.waitForSelector('[data-testid=sup-children] tr[data-id="sch_demo1:3"]');
    await page.screenshot({ path: path.join(SHOTS, 'supervision-school-phone.png'), fullPage: true });
    // Another school's figures are refused with a readable message.
    await page.goto(`${suite.svc.url}/#/admin/supervision?school=sch_demo2`);
    await page.waitForSelector('.notice.error');
    expect(await page.textContent('.notice.error')).toContain('只能查看本校');
  });
});
