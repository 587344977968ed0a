/**
 * The duty console (值班监控台) in Chromium: a district admin opens it from
 * the home page, sees every channel, the media node and the queue with no
 * alerts; a lead teacher starts a live lesson and does not publish; within
 * the 10 s rule plus one refresh the page raises "no media" for it, without
 * a reload. Screenshots in .tmp/screenshots/duty*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';

const SHOTS = path.resolve('.tmp/screenshots');
let svc: RunningService;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([
    startTestService({ SFU: 'mediasoup', MEDIASOUP_WORKERS: '1', MEDIASOUP_RTC_PORTS: '45700-45799' }),
    launchChromium(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

it('shows the district at a glance and raises an alert when a live lesson has no media', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await submitLogin(page, svc.url, 'admin');
  await page.click('[data-testid=home-duty]');
  await page.waitForSelector('[data-testid=duty-channels]');
  expect(await page.locator('[data-testid=duty-channels] tbody tr').count()).toBeGreaterThanOrEqual(6);
  await page.waitForSelector('[data-testid=duty-all-clear]');
  expect(await page.locator('[data-testid=duty-nodes] tbody tr').count()).toBe(1);
  expect(await page.textContent('[data-testid=duty-live-empty]')).toContain('现在没有直播课');
  await page.screenshot({ path: path.join(SHOTS, 'duty-clear.png'), fullPage: true });

  const teacher = await ApiClient.as(svc.url, 'lead-g3');
  const id = (
    await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '值班演示直播',
      grade: 3,
      subject: '数学',
    })
  ).body.lesson.id;
  await putLiveSlotNow(await ApiClient.as(svc.url, 'admin'), 3, id, '值班演示');
  expect((await teacher.post(`/api/live/${id}/start`)).status).toBe(200);
  // The page refreshes by itself: the lesson appears, then (after 10 s without media) the alert.
  await page.waitForSelector('[data-testid=duty-live] tbody tr', { timeout: 15_000 });
  await page.waitForSelector('[data-testid=duty-alerts] [data-code=LIVE_NO_MEDIA]', { timeout: 30_000 });
  expect(await page.textContent('[data-testid=duty-alerts]')).toContain('值班演示直播');
  expect(await page.textContent('[data-testid=duty-live]')).toContain(svc.mediaNode!.node.id);
  await page.screenshot({ path: path.join(SHOTS, 'duty-alert.png'), fullPage: true });
  // Students and teachers never see it.
  const student = await ctx.browser()!.newContext();
  const sp = await student.newPage();
  await submitLogin(sp, svc.url, 's1-g3-1-01');
  await sp.waitForSelector('[data-testid^=home-]');
  expect(await sp.locator('[data-testid=home-duty]').count()).toBe(0);
  await teacher.post(`/api/live/${id}/end`);
  await student.close();
  await ctx.close();
}, 90_000);
