/** The timetable page in Chromium: an admin edits a day, sees the rule violations on the rows, fixes them and saves. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';

const SHOTS = path.resolve('.tmp/screenshots');
let svc: RunningService;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([startTestService(), launchChromium()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

it('an admin edits a day; violations appear on the rows; the fixed day is published', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await submitLogin(page, svc.url, 'admin');
  await page.waitForSelector('[data-testid^=home-]');
  await page.goto(svc.url + '/#/timetable?grade=3&week=2026-11-23');
  await page.locator('[data-date="2026-11-23"] [data-testid=tt-edit]').click();
  await page.getByRole('button', { name: '添加一节' }).click();
  await page.getByRole('button', { name: '添加一节' }).click();
  const rows = page.locator('[data-testid=tt-row]');
  await rows.nth(0).locator('[data-f=start]').fill('08:00');
  await rows.nth(0).locator('[data-f=end]').fill('08:20');
  await rows.nth(1).locator('[data-f=start]').fill('08:25');
  await rows.nth(1).locator('[data-f=end]').fill('08:45');
  await rows.nth(1).locator('[data-f=subject]').fill('语文');
  await page.click('[data-testid=tt-save]');
  const violation = page.locator('[data-testid=tt-violation]');
  await violation.first().waitFor();
  // The short break, and the 45 minutes of screen in a row it makes.
  const texts = (await violation.allTextContents()).join(' ');
  expect(texts).toContain('至少要 15 分钟');
  expect(texts).toContain('连续看屏幕 45 分钟');
  await page.screenshot({ path: path.join(SHOTS, 'timetable-violation.png'), fullPage: true });
  await rows.nth(1).locator('[data-f=start]').fill('08:35');
  await rows.nth(1).locator('[data-f=end]').fill('08:55');
  await page.click('[data-testid=tt-save]');
  await page.waitForSelector('[data-date="2026-11-23"] [data-testid=tt-slot]');
  expect(await page.locator('[data-date="2026-11-23"] [data-testid=tt-slot]').allTextContents()).toEqual([
    expect.stringContaining('08:00–08:20'),
    expect.stringContaining('08:35–08:55'),
  ]);
  await page.screenshot({ path: path.join(SHOTS, 'timetable-week.png'), fullPage: true });
}, 60_000);

it('the channel guide lists every grade channel with now and next', async () => {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const admin = await (await import('../helpers/ApiClient.ts')).ApiClient.as(svc.url, 'admin');
  const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
  expect(
    (
      await admin.request('PUT', `/api/timetable/6/${tomorrow}`, {
        slots: [{ start: '08:00', end: '08:20', subject: '科学', kind: 'live', title: '水的三态' }],
      })
    ).status,
  ).toBe(200);
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await submitLogin(page, svc.url, 's1-g6-1-01');
  await page.waitForSelector('[data-testid^=home-]');
  await page.goto(svc.url + '/#/channels');
  await page.waitForSelector('[data-testid=channel]');
  expect(await page.locator('[data-testid=channel]').count()).toBe(9);
  expect(await page.locator('[data-channel=grade-6]').textContent()).toContain('科学：水的三态');
  await page.screenshot({ path: path.join(SHOTS, 'channel-guide-phone.png'), fullPage: true });
}, 60_000);
