/**
 * End to end: real Chromium, the built web app, a real server with the demo
 * district. Screenshots go to .tmp/screenshots for a human to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';

const SHOTS = path.resolve('.tmp/screenshots');
let svc: RunningService;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync('web-player/dist/index.html'))
    throw new Error('web-player is not built: run "npm run build" first (npm test does it)');
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([startTestService(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await svc?.close();
});

async function signIn(
  username: string,
  opts: { width?: number; lang?: string; password?: string } = {},
): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: opts.width ?? 1200, height: 860 } });
  if (opts.lang) await ctx.addInitScript((l) => localStorage.setItem('skyclass.lang', l), opts.lang);
  const page = await ctx.newPage();
  await submitLogin(page, svc.url, username, opts.password);
  return page;
}

describe('web app', () => {
  it('a co-teacher signs in and sees only their own classes', async () => {
    const page = await signIn('t-s1-g3-1');
    await page.waitForSelector('[data-testid=home-co_teacher]');
    const cards = await page
      .locator('[data-testid=class-card]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-class-id')));
    expect(cards).toEqual(['cls_demo_s1_g3_1']);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.screenshot({ path: path.join(SHOTS, 'co-teacher-home.png'), fullPage: true });

    await page.click('[data-testid=class-card]');
    await page.waitForSelector('[data-testid=roster]');
    expect(await page.locator('[data-testid=class-name]').textContent()).toBe('三年级（1）班');
    expect(await page.locator('[data-testid=roster] tbody tr').count()).toBe(2);

    // Another class by URL: a clear refusal, not a blank page.
    await page.goto(`${svc.url}/#/class/cls_demo_s1_g3_2`);
    await page.waitForSelector('.notice.error');
    expect(await page.locator('.notice.error').textContent()).toContain('你没有权限');
    await page.context().close();
  });

  it('every demo role lands on its own home page', async () => {
    for (const [user, role] of [
      ['admin', 'district_admin'],
      ['s1-admin', 'school_admin'],
      ['lead-g3', 'lead_teacher'],
      ['t-s1-g3-math', 'co_teacher'],
      ['s1-g3-1-01', 'student'],
    ] as const) {
      const page = await signIn(user);
      await page.waitForSelector(`[data-testid=home-${role}]`);
      await page.screenshot({ path: path.join(SHOTS, `home-${role}.png`), fullPage: true });
      await page.context().close();
    }
  }, 90_000); // eight sign-ins in a real browser: ~10 s alone, more on a loaded CI machine

  it('a wrong password shows a readable error and keeps the user on the login page', async () => {
    const page = await signIn('admin', { password: 'not-the-password' });
    await page.waitForSelector('.notice.error');
    expect(await page.locator('.notice.error').textContent()).toContain('Wrong username or password');
    await page.context().close();
  });

  it('switches to English and works on a phone-sized screen', async () => {
    const page = await signIn('s1-g3-1-01', { width: 375 });
    await page.waitForSelector('[data-testid=home-student]');
    await page.click('[data-testid=lang]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.waitForSelector('text=Sign out');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, 'student-phone-en.png'), fullPage: true });
    await page.click('[data-testid=signout]');
    await page.waitForSelector('[data-testid=username]');
    await page.context().close();
  });

  it('the class teacher adds a student in the browser and sees the generated password', async () => {
    const page = await signIn('t-s2-g8-1');
    await page.waitForSelector('[data-testid=home-co_teacher]');
    await page.click('[data-testid=class-card]');
    await page.waitForSelector('[data-testid=add-student]');
    await page.fill('[data-testid=add-student] input[name=username]', 'browserkid1');
    await page.fill('[data-testid=add-student] input[name=displayName]', '浏览器同学');
    await page.click('[data-testid=add-student] button[type=submit]');
    await page.waitForSelector('.notice.ok');
    expect(await page.locator('.notice.ok').textContent()).toMatch(
      /已添加 浏览器同学，初始密码：[a-z0-9]{10}/,
    );
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=roster] tbody tr').length === 3);
    await page.screenshot({ path: path.join(SHOTS, 'class-teacher-class.png'), fullPage: true });
    await page.context().close();
  });

  it('the class teacher switches a student off: the student’s open class room signs out at once; then erases a test account', async () => {
    const student = await signIn('s1-g3-1-02');
    const cspErrors: string[] = [];
    await student.waitForSelector('[data-testid=home-student]');
    await student.goto(`${svc.url}/#/class/cls_demo_s1_g3_1/room`);
    await student.waitForSelector('[data-testid=room-input]');

    const teacher = await signIn('t-s1-g3-1');
    teacher.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    teacher.on('dialog', (d) => void d.accept());
    await teacher.waitForSelector('[data-testid=home-co_teacher]');
    await teacher.goto(`${svc.url}/#/class/cls_demo_s1_g3_1`);
    await teacher.waitForSelector('[data-testid=roster]');
    const row = teacher.locator('[data-testid=roster] tbody tr', { hasText: 's1-g3-1-02' });
    await row.locator('[data-testid=toggle-disabled]').click();
    await teacher.waitForSelector('.notice.ok');
    await row.locator('[data-testid=disabled-badge]').waitFor();

    // The student's page was signed out by the server (socket closed), with the reason shown.
    await student.waitForSelector('[data-testid=username]', { timeout: 5000 });
    expect(await student.locator('body').textContent()).toMatch(/会话已结束|登录已失效|重新登录|session/i);
    await student.screenshot({ path: path.join(SHOTS, 'student-switched-off.png'), fullPage: true });
    await teacher.screenshot({ path: path.join(SHOTS, 'class-teacher-switched-off.png'), fullPage: true });

    // Switched on again, then a throwaway account erased from the roster.
    await row.locator('[data-testid=toggle-disabled]').click();
    await teacher.waitForFunction(() => !document.querySelector('[data-testid=disabled-badge]'));
    await svc.core.store.createUser({
      username: 'erase-in-browser',
      displayName: '测试删除',
      role: 'student',
      passwordHash: 'x',
      schoolId: 'sch_demo1',
      classIds: ['cls_demo_s1_g3_1'],
    });
    await teacher.reload();
    const doomed = teacher.locator('[data-testid=roster] tbody tr', { hasText: 'erase-in-browser' });
    await teacher.waitForSelector('[data-testid=roster]');
    await doomed.locator('[data-testid=erase-account]').click();
    await teacher.waitForFunction(
      () =>
        !document.body.textContent!.includes('erase-in-browser') || !!document.querySelector('.notice.ok'),
    );
    await doomed.waitFor({ state: 'detached' });
    expect(await svc.core.store.findByUsername('erase-in-browser')).toBeUndefined();
    expect(cspErrors).toEqual([]);
    await student.context().close();
    await teacher.context().close();
  }, 90_000);
});
