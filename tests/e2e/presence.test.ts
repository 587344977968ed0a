/**
 * The co-teacher's dashboard in Chromium: a student's browser tab opening
 * the grade channel appears in the live roster as "watching", and as "left"
 * when the tab is closed; the attendance export downloads a CSV.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';

const SHOTS = path.resolve('.tmp/screenshots');
let svc: RunningService;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([startTestService(), launchChromium()]);
  // The channel's first slate is rendered on its first request: wait for it here, not in the student's player.
  await waitFor(
    async () => (await fetch(`${svc.url}/channels/grade-3/720p/index.m3u8`)).status === 200,
    'the channel to be ready',
    90_000,
    500,
  );
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

it('a co-teacher sees a student tab arrive in the live roster and leave', async () => {
  const classId = (
    await (await ApiClient.as(svc.url, 's1-g3-1-01')).get<{ user: { classIds: string[] } }>('/api/me')
  ).body.user.classIds[0]!;
  const teacherCtx = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  const teacher = await teacherCtx.newPage();
  await submitLogin(teacher, svc.url, 't-s1-g3-1');
  await teacher.waitForSelector('[data-testid^=home-]');
  await teacher.goto(`${svc.url}/#/class/${classId}`);
  await teacher.click('[data-testid=open-dashboard]');
  const row = teacher.locator('[data-testid=roster-row][data-student="s1-g3-1-01"]');
  await row.waitFor();
  expect(await row.getAttribute('data-state')).toBe('not_joined');

  const studentCtx = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const student = await studentCtx.newPage();
  await submitLogin(student, svc.url, 's1-g3-1-01');
  await student.waitForSelector('[data-testid^=home-]');
  await student.goto(`${svc.url}/#/channel/grade-3`);
  await student.waitForSelector('[data-testid=channel-player][data-state=playing]', { timeout: 90_000 });
  const seenAt = Date.now();
  await teacher.waitForSelector('[data-testid=roster-row][data-student="s1-g3-1-01"][data-state=watching]', {
    timeout: 10_000,
  });
  console.log(`dashboard saw the student ${Date.now() - seenAt} ms after the player started`);
  expect(await row.textContent()).toMatch(/频道/);
  await teacher.screenshot({ path: path.join(SHOTS, 'dashboard-watching.png'), fullPage: true });

  await studentCtx.close(); // the tab is closed
  const closedAt = Date.now();
  await teacher.waitForSelector('[data-testid=roster-row][data-student="s1-g3-1-01"][data-state=left]', {
    timeout: 5000,
  });
  expect(Date.now() - closedAt).toBeLessThan(3000);

  const [download] = await Promise.all([
    teacher.waitForEvent('download'),
    teacher.click('[data-testid=attendance-csv]'),
  ]);
  expect(download.suggestedFilename()).toMatch(/^attendance-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv).toContain('学号,姓名,课程');
  await teacher.screenshot({ path: path.join(SHOTS, 'dashboard-left.png'), fullPage: true });
  await teacherCtx.close();
}, 180_000);
