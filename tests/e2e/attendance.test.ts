/**
 * Attendance that counts every screen, in real Chromium: the channel guide
 * shows the lesson's TV check-in code, a child on a phone enters it from the
 * home page and shows as present via TV on the co-teacher's dashboard, the
 * co-teacher marks another child present (watched on TV, said the parent)
 * in the dialog, and the downloaded CSV carries the mark, its reason and note.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { launchChromium, signedInPage } from '../helpers/browser.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';

const SHOTS = path.resolve('.tmp/screenshots');
const CLASS = 'cls_demo_s1_g3_1';
let svc: RunningService;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!fs.existsSync('web-player/dist/index.html'))
    throw new Error('web-player is not built: run "npm run build" first (npm test does it)');
  fs.mkdirSync(SHOTS, { recursive: true });
  [svc, browser] = await Promise.all([startTestService(), launchChromium()]);
  const lead = await ApiClient.as(svc.url, 'lead-g3');
  const admin = await ApiClient.as(svc.url, 'admin');
  const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
    title: '认识分数',
    grade: 3,
    subject: '数学',
  });
  await putLiveSlotNow(admin, 3, live.body.lesson.id, '测试：电视签到');
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await svc?.close();
});

const signIn = (username: string, phone = false): Promise<Page> =>
  signedInPage(browser, svc.url, username, { phone, contexts });

describe('attendance in the browser', () => {
  it('a TV check-in code counts a child as present; a co-teacher’s mark shows in the CSV', async () => {
    const teacher = await signIn('t-s1-g3-1');
    await teacher.goto(`${svc.url}/#/channels`);
    const code = (
      await teacher.textContent('[data-channel=grade-3] [data-testid=checkin-code] strong', {
        timeout: 15_000,
      })
    )?.trim();
    expect(code).toMatch(/^\d{4}$/);

    const child = await signIn('s1-g3-1-01', true);
    await child.fill('[data-testid=checkin-code]', code!);
    await child.click('[data-testid=checkin-submit]');
    await child.waitForSelector('[data-testid=checkin] .notice.ok');
    expect(await child.textContent('[data-testid=checkin] .notice.ok')).toContain('已签到');
    await child.screenshot({ path: path.join(SHOTS, 'checkin-phone.png'), fullPage: true });

    await teacher.goto(`${svc.url}/#/class/${CLASS}/dashboard`);
    await teacher.waitForSelector('[data-testid=attendance]');
    const rowOf = (name: string) => teacher.locator('[data-testid=attendance] tbody tr', { hasText: name });
    const names = await teacher.$$eval('[data-testid=attendance] tbody tr td:first-child', (tds) =>
      tds.map((td) => td.textContent ?? ''),
    );
    expect(names).toHaveLength(2);
    const first = (
      await ApiClient.as(svc.url, 's1-g3-1-01').then((c) =>
        c.get<{ user: { displayName: string } }>('/api/me'),
      )
    ).body.user.displayName;
    const other = names.find((n) => n !== first)!;
    expect(await rowOf(first).textContent()).toContain('TV');

    await rowOf(other).locator('[data-testid=att-mark]').first().click();
    await teacher.selectOption('[data-testid=att-status]', 'present');
    await teacher.selectOption('[data-testid=att-reason]', 'tv');
    await teacher.fill('[data-testid=att-note]', '家长电话确认');
    await teacher.click('[data-testid=att-save]');
    await teacher.waitForFunction(
      (n) =>
        [...document.querySelectorAll('[data-testid=attendance] tbody tr')].some(
          (tr) => tr.textContent?.includes(n) && tr.textContent.includes('✎'),
        ),
      other,
    );
    await teacher.screenshot({ path: path.join(SHOTS, 'attendance-marked.png'), fullPage: true });

    const [download] = await Promise.all([
      teacher.waitForEvent('download'),
      teacher.click('[data-testid=attendance-csv]'),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('来源');
    expect(csv).toMatch(new RegExp(`${other},.*出勤,教师标记,电视收看,家长电话确认`));
    expect(csv).toMatch(new RegExp(`${first},.*出勤,电视签到`));
  }, 90_000);
});
