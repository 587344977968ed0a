/**
 * The class video room in the browser (mediasoup on loopback, Chromium with
 * fake cameras): the co-teacher opens it and speaks, a student of the class
 * sees and hears them, gets the floor and speaks, the teacher sees the
 * student; a district admin observes (sees and hears, cannot speak; the class
 * sees the observer); the floor taken back closes the student's stream.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { submitLogin } from '../helpers/browser.ts';
import { startLiveStack, type LiveStack } from '../helpers/liveStack.ts';

const SHOTS = path.resolve('.tmp/screenshots');

describe('class video room in the browser', () => {
  let stack: LiveStack;
  let svc: RunningService;
  let browser: Browser;
  let bridge: { url: string; close(): Promise<void> };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    stack = await startLiveStack('44400-44700', {
      chromiumArgs: ['--autoplay-policy=no-user-gesture-required'],
    });
    ({ svc, browser } = stack);
    bridge = { url: stack.url, close: async () => undefined };
  }, 90_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await stack?.close();
  });

  async function signIn(username: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await submitLogin(page, bridge.url, username);
    await page.waitForSelector('[data-testid^=home-]');
    return page;
  }
  const playing = (page: Page) =>
    page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid=side-grid] video');
        return !!v && v.videoWidth > 0 && v.currentTime > 0.5;
      },
      undefined,
      { timeout: 30_000 },
    );

  it('the co-teacher speaks, a student gets the floor and speaks, each sees the other', async () => {
    const classId = (
      await (await ApiClient.as(svc.url, 's1-g3-1-01')).get<{ user: { classIds: string[] } }>('/api/me')
    ).body.user.classIds[0]!;
    const teacher = await signIn('t-s1-g3-1');
    await teacher.goto(`${bridge.url}/#/class/${classId}/room`);
    await teacher.click('[data-testid=side-open]');
    await teacher.click('[data-testid=side-speak]');

    const student = await signIn('s1-g3-1-01');
    await student.goto(`${bridge.url}/#/class/${classId}/room`);
    await playing(student); // the teacher, seen by the student
    await student.click('[data-testid=room-hand]');
    await teacher.click('[data-testid=side-floor][data-on=false]'); // give the floor
    await student.click('[data-testid=side-speak]');
    await playing(teacher); // the student, seen by the teacher
    expect(await teacher.locator('[data-testid=side-grid] figcaption').allTextContents()).toEqual([
      expect.stringMatching(/\S/),
    ]);
    // mediasoup hears the student (the fake microphone beeps): a level on the student's tile. (30 s: in a
    // full run beside another browser test on 2 cores, 15 s once passed without a level report.)
    await teacher.waitForFunction(
      () =>
        Number(document.querySelector<HTMLElement>('[data-testid=side-grid] figure')?.dataset.level ?? 0) > 0,
      undefined,
      { timeout: 30_000 },
    );
    await teacher.screenshot({ path: path.join(SHOTS, 'side-room-teacher.png'), fullPage: true });
    // A district admin observes (督导): sees and hears the room, cannot speak; the class sees the observer.
    const observer = await signIn('admin');
    await observer.goto(`${bridge.url}/#/class/${classId}/room`);
    await playing(observer);
    expect(await observer.textContent('[data-testid=side-hint]')).toContain('旁听');
    expect(await observer.locator('[data-testid=side-speak], [data-testid=side-open]').count()).toBe(0);
    await teacher.waitForSelector('[data-testid=room-observers]:not([hidden])');
    expect(await teacher.textContent('[data-testid=room-observers]')).toContain('周主任');
    await observer.screenshot({ path: path.join(SHOTS, 'side-room-observer.png'), fullPage: true });
    // The floor taken back: the student's stream leaves the teacher's grid.
    await teacher.click('[data-testid=side-floor][data-on=true]');
    await teacher.waitForFunction(() => !document.querySelector('[data-testid=side-grid] video'), undefined, {
      timeout: 10_000,
    });
  }, 120_000);
});
