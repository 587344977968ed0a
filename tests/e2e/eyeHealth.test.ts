/**
 * Eye health in real Chromium: after the district's continuous stretch
 * (restReminderMinutes, default 30; counted across pages in localStorage)
 * the student's player reminds them to rest and look into the distance; a
 * replay would pause, the channel plays on under the reminder; "I have
 * rested" starts the stretch again. Teachers are not reminded.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';

const suite = browserSuite({ chromiumArgs: ['--autoplay-policy=no-user-gesture-required'] });
const signIn = suite.signIn;

/** 29 minutes 57 seconds watched just before this page: three more seconds of playing reach the 30. */
const almostThirty = (page: Page) =>
  page.evaluate(() =>
    localStorage.setItem(
      'skyclass.rest',
      JSON.stringify({ watchedMs: 30 * 60_000 - 3000, lastAt: Date.now() }),
    ),
  );

describe('rest reminders', () => {
  it('reminds a student on the channel after 30 minutes of watching in a row; the channel plays on', async () => {
    const student = await signIn('s1-g3-1-01', true);
    await almostThirty(student);
    await student.goto(`${suite.svc.url}/#/channel/grade-3`);
    await student.waitForSelector('[data-testid=rest-reminder]', { timeout: 90_000 });
    expect(await student.textContent('[data-testid=rest-reminder]')).toContain('看看窗外远处');
    expect(await student.$eval('[data-testid=channel-video]', (v) => (v as HTMLVideoElement).paused)).toBe(
      false,
    );
    await student.screenshot({ path: path.join(SHOTS, 'rest-reminder-phone.png'), fullPage: true });
    await student.click('[data-testid=rest-done]');
    expect(await student.locator('[data-testid=rest-reminder]').count()).toBe(0);
    const stored = await student.evaluate(
      () => JSON.parse(localStorage.getItem('skyclass.rest') ?? '{}') as { watchedMs: number },
    );
    expect(stored.watchedMs).toBeLessThan(10_000);
  }, 120_000);

  it('does not remind teachers', async () => {
    const teacher = await signIn('t-s1-g3-1');
    await almostThirty(teacher);
    await teacher.goto(`${suite.svc.url}/#/channel/grade-3`);
    await teacher.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid=channel-video]') as HTMLVideoElement | null;
        return !!v && v.currentTime > 6;
      },
      undefined,
      { timeout: 60_000 },
    );
    expect(await teacher.locator('[data-testid=rest-reminder]').count()).toBe(0);
  }, 90_000);
});
