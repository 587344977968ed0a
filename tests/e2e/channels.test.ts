/**
 * A grade channel in headless Chromium through hls.js: a student opens the
 * channel guide, one click starts the grade channel, and it plays 20-second
 * lessons with 10-second slates between them across at least 3 seams, with
 * no stall longer than 2 s and no fatal error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { publishShortDay, readyLesson } from '../helpers/channelDay.ts';
import { clip } from '../helpers/fixtures.ts';
import { startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';

const SHOTS = path.resolve('.tmp/screenshots');
let svc: RunningService;
let browser: Browser;
let day: { start: number; end: number }[];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([startTestService({ LESSON_MAX_DURATION: '60s' }), launchChromium()]);
  const file = clip({ seconds: 20, name: 'channel_20s.mp4' });
  const lessons = [
    await readyLesson(svc.url, file, '二十秒第一课'),
    await readyLesson(svc.url, file, '二十秒第二课'),
  ];
  // The generic slate is rendered on the first request to a channel; wait for it so the day starts on time.
  await waitFor(
    async () => (await fetch(`${svc.url}/channels/grade-3/720p/index.m3u8`)).status === 200,
    'the channel to be ready',
    60_000,
    500,
  );
  const admin = await ApiClient.as(svc.url, 'admin');
  day = await publishShortDay(admin, 3, lessons, { count: 2, lessonSec: 20, breakSec: 10, leadSec: 20 });
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

it('plays the channel through hls.js across slate/lesson seams without stalls', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const fatal: string[] = [];
  page.on('pageerror', (e) => fatal.push(e.message));
  await submitLogin(page, svc.url, 's1-g3-1-01');
  await page.waitForSelector('[data-testid^=home-]');
  await page.goto(`${svc.url}/#/channels`);
  await page.locator('[data-channel=grade-3] [data-testid=watch-channel]').click(); // one click to watch
  const stage = page.locator('[data-testid=channel-player]');
  await page.waitForSelector('[data-testid=channel-player][data-state=playing]', { timeout: 30_000 });
  expect(await page.locator('[data-testid=channel-url]').textContent()).toMatch(
    /\/channels\/grade-3\/master\.m3u8$/,
  );

  const pieces: string[] = [];
  let lastTime = -1;
  let lastAdvance = Date.now();
  let longestStall = 0;
  const until = day[1]!.end + 22_000; // the player is ~3 segments behind the live edge
  while (Date.now() < until) {
    const s = await page.evaluate(() => {
      const v = document.querySelector<HTMLVideoElement>('[data-testid=channel-video]')!;
      const p = document.querySelector<HTMLElement>('[data-testid=channel-player]')!;
      return {
        t: v.currentTime,
        paused: v.paused,
        piece: p.dataset.piece ?? '',
        fatal: p.dataset.fatalErrors,
      };
    });
    const now = Date.now();
    if (s.t > lastTime + 0.01) {
      lastTime = s.t;
      lastAdvance = now;
    } else longestStall = Math.max(longestStall, now - lastAdvance);
    expect(s.paused).toBe(false);
    expect(s.fatal).toBeUndefined();
    if (s.piece && pieces.at(-1) !== s.piece) pieces.push(s.piece);
    if (pieces.length === 3) await page.screenshot({ path: path.join(SHOTS, 'channel-watch.png') });
    await page.waitForTimeout(250);
  }
  // slate → lesson → slate → lesson → slate: four seams played through.
  expect(pieces.join(' ')).toMatch(/^(slate )?vod slate vod slate$/);
  expect(pieces.filter((p, i) => i > 0 && p !== pieces[i - 1]).length).toBeGreaterThanOrEqual(3);
  expect(longestStall, 'longest time the picture stood still (ms)').toBeLessThanOrEqual(2000);
  expect(fatal).toEqual([]);
  expect(await stage.getAttribute('data-state')).toBe('playing');
}, 240_000);
