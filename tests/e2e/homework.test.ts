/**
 * Homework in real Chromium: a co-teacher sets homework (seeing the day's
 * minutes against the limit before publishing), a student on a phone-sized
 * page hands in two large photos (resized in the browser before they go up
 * over tus) and a note, the co-teacher sees the photos, marks with a grade
 * and a comment in depth, the rotation moves on, and the student reads the
 * feedback.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { launchChromium, signedInPage } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { localParts } from '../helpers/channelDay.ts';
import { tmpDir } from '../helpers/tmp.ts';

const SHOTS = path.resolve('.tmp/screenshots');
const CLASS = 'cls_demo_s1_g3_1';
let svc: RunningService;
let browser: Browser;
const contexts: BrowserContext[] = [];
const dir = tmpDir('hw-e2e');
const bigPhoto = path.join(dir, 'IMG_0001.jpg');

beforeAll(async () => {
  if (!fs.existsSync('web-player/dist/index.html'))
    throw new Error('web-player is not built: run "npm run build" first (npm test does it)');
  fs.mkdirSync(SHOTS, { recursive: true });
  // A phone camera's picture: 4000×3000, a few MB.
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=4000x3000',
    '-frames:v',
    '1',
    '-q:v',
    '2',
    bigPhoto,
  ]);
  [svc, browser] = await Promise.all([startTestService({ ABSENCE_NOTICE_AFTER: '1s' }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await svc?.close();
});

const signIn = (username: string, phone = false): Promise<Page> =>
  signedInPage(browser, svc.url, username, { phone, contexts });

describe('homework in the browser', () => {
  let teacher: Page;
  let student: Page;

  it('a co-teacher sees the day’s load and sets homework', async () => {
    teacher = await signIn('t-s1-g3-1');
    await teacher.goto(`${svc.url}/#/class/${CLASS}/homework`);
    await teacher.waitForSelector('[data-testid=hw-new]');
    await teacher.fill('[data-testid=hw-minutes]', '75');
    // Above the 60 minutes of grades 3–6: said before publishing, and the button is off.
    await teacher.waitForSelector('[data-testid=hw-load] .notice.error');
    expect(await teacher.isDisabled('[data-testid=hw-publish]')).toBe(true);
    await teacher.fill('[data-testid=hw-minutes]', '30');
    await teacher.waitForFunction(
      () =>
        !document.querySelector('[data-testid=hw-load] .notice.error') &&
        document.querySelector('[data-testid=hw-load] p'),
    );
    expect(await teacher.textContent('[data-testid=hw-load]')).toContain('30');
    await teacher.fill('[data-testid=hw-title]', '看图写话');
    await teacher.fill('[data-testid=hw-instructions]', '观察课本第 12 页的图，写三句话，拍照上传。');
    await teacher.click('[data-testid=hw-publish]');
    await teacher.waitForSelector('[data-testid=hw-assignments] >> text=看图写话');
    expect(await teacher.locator('[data-testid=hw-proposed]').count()).toBe(2);
    await teacher.screenshot({ path: path.join(SHOTS, 'homework-teacher.png'), fullPage: true });
  });

  it('a student on a phone hands in two photos (resized in the browser) and a note', async () => {
    student = await signIn('s1-g3-1-01', true);
    await student.click('[data-testid=nav-homework]');
    await student.waitForSelector('[data-testid=hw-item] >> text=看图写话');
    expect(await student.textContent('[data-testid=hw-item] [data-testid=hw-state]')).toBe('未交');
    await student.click('[data-testid=hw-item]');
    await student.waitForSelector('[data-testid=hw-submit-form]');
    await student.setInputFiles('[data-testid=hw-photos]', [bigPhoto, bigPhoto]);
    await student.fill('[data-testid=hw-text]', '我写了三句话。');
    await student.click('[data-testid=hw-submit]');
    await student.waitForSelector('[data-testid=my-submission]');
    expect(await student.textContent('[data-testid=my-submission] [data-testid=hw-state]')).toBe('已交');
    // Both photos came back from the server as pictures, smaller than the camera's file.
    await student.waitForFunction(
      () => document.querySelectorAll('[data-testid=my-submission] img.hw-photo').length === 2,
    );
    const sizes = await student.$$eval('[data-testid=my-submission] .hw-file img', (imgs) =>
      (imgs as HTMLImageElement[]).map((i) => [i.naturalWidth, i.naturalHeight]),
    );
    expect(sizes).toEqual([
      [1600, 1200],
      [1600, 1200],
    ]);
    await student.screenshot({ path: path.join(SHOTS, 'homework-student-phone.png'), fullPage: true });
  });

  it('the co-teacher marks in depth with a comment; the rotation moves on; the student reads it', async () => {
    await teacher.goto(`${svc.url}/#/class/${CLASS}/homework`);
    await teacher.click('[data-testid=hw-assignments] >> text=看图写话');
    await teacher.waitForSelector('[data-testid=hw-submission]');
    await teacher.waitForFunction(
      () => document.querySelectorAll('[data-testid=hw-submission] img.hw-photo').length === 2,
    );
    // Proposed for today's in-depth marking: the box is already ticked.
    expect(await teacher.isChecked('[data-testid=hw-indepth]')).toBe(true);
    await teacher.selectOption('[data-testid=hw-grade]', 'excellent');
    await teacher.fill('[data-testid=hw-comment]', '观察仔细，句子通顺！');
    await teacher.click('[data-testid=hw-mark]');
    await teacher.waitForSelector('[data-testid=hw-feedback] >> text=观察仔细');
    await teacher.goto(`${svc.url}/#/class/${CLASS}/homework`);
    await teacher.waitForSelector('[data-testid=hw-rotation]');
    expect(await teacher.locator('[data-testid=hw-proposed]').count()).toBe(1);
    expect(await teacher.textContent('[data-testid=hw-rotation]')).toContain('今天已精批');

    await student.goto(`${svc.url}/#/homework`);
    await student.waitForSelector('[data-testid=hw-item] >> text=观察仔细');
    expect(await student.textContent('[data-testid=hw-item] [data-testid=hw-state]')).toBe('已批改');
    await student.click('[data-testid=hw-item]');
    await student.waitForSelector('[data-testid=hw-feedback]');
    expect(await student.textContent('[data-testid=hw-feedback]')).toContain('优');
    expect(await student.locator('[data-testid=hw-submit-form]').count()).toBe(0);
    await student.screenshot({ path: path.join(SHOTS, 'homework-feedback-phone.png'), fullPage: true });
  });

  it('the class teacher posts a notice; the parent sees the feedback, an absence notice, and acknowledges', async () => {
    // A lesson of grade 3 that ended two minutes ago, which the child did not watch.
    const admin = await ApiClient.as(svc.url, 'admin');
    const lead = await ApiClient.as(svc.url, 'lead-g3');
    const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
      title: '认识钟表',
      grade: 3,
      subject: '数学',
    });
    const t0 = Date.now();
    const put = await admin.request('PUT', `/api/timetable/3/${localParts(t0).date}`, {
      slots: [
        {
          start: localParts(t0 - 4 * 60_000).time,
          end: localParts(t0 - 2 * 60_000).time,
          subject: '数学',
          title: '认识钟表',
          kind: 'live',
          lesson: live.body.lesson.id,
          override: { reason: '测试：缺课提醒' },
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(await svc.notices!.sweepAbsences()).toBeGreaterThan(0);

    await teacher.goto(`${svc.url}/#/class/${CLASS}`);
    await teacher.click('[data-testid=open-parents]');
    await teacher.waitForSelector('[data-testid=notice-title]');
    await teacher.fill('[data-testid=notice-title]', '周五线上家长会');
    await teacher.fill('[data-testid=notice-body]', '周五晚上 7 点线上家长会，请家长准时参加。');
    await teacher.click('[data-testid=notice-post]');
    await teacher.waitForSelector('[data-testid=class-notice] >> text=周五线上家长会');
    expect(await teacher.textContent('[data-testid=notice-read-by]')).toContain('0/');

    const parent = await signIn('p-s1-g3-1-01', true);
    await parent.waitForSelector('[data-testid=fam-child]');
    // The homework and the teacher's feedback.
    await parent.waitForSelector('[data-testid=fam-hw-item] >> text=看图写话');
    expect(await parent.textContent('[data-testid=fam-hw-item] [data-testid=hw-feedback]')).toContain(
      '观察仔细',
    );
    // The absence notice and the class notice, both unread.
    const absence = parent.locator('[data-testid=notice][data-kind=absence]');
    expect(await absence.count()).toBe(1);
    expect(await absence.textContent()).toContain('认识钟表');
    // The day says the child missed it.
    expect(await parent.textContent('[data-testid=fam-day]')).toContain('认识钟表');
    expect(await parent.locator('[data-testid=fam-att][data-status=absent]').count()).toBe(1);
    await parent.screenshot({ path: path.join(SHOTS, 'parent-phone.png'), fullPage: true });
    const classNotice = parent.locator('[data-testid=notice][data-kind=class]');
    await classNotice.locator('[data-testid=notice-ack]').click();
    await classNotice.locator('[data-testid=notice-acked]').waitFor();

    await teacher.reload();
    await teacher.waitForSelector('[data-testid=class-notice] >> text=周五线上家长会');
    expect(await teacher.textContent('[data-testid=notice-read-by]')).toMatch(/已确认 1\//);
    await teacher.screenshot({ path: path.join(SHOTS, 'parents-teacher.png'), fullPage: true });
  });

  it('a co-teacher adds a class-only material on the class page; the student downloads it', async () => {
    const sheet = path.join(dir, '练习卷.pdf');
    fs.writeFileSync(
      sheet,
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    await teacher.goto(`${svc.url}/#/class/${CLASS}`);
    await teacher.waitForSelector('[data-testid=material-file]');
    await teacher.setInputFiles('[data-testid=material-file]', sheet);
    await teacher.fill('[data-testid=material-title]', '第三单元练习卷');
    await teacher.click('[data-testid=material-add]');
    await teacher.waitForSelector('[data-testid=material] >> text=第三单元练习卷');

    await student.goto(`${svc.url}/#/class/${CLASS}`);
    await student.waitForSelector('[data-testid=material] >> text=第三单元练习卷');
    expect(await student.locator('[data-testid=material-file]').count()).toBe(0);
    const [download] = await Promise.all([
      student.waitForEvent('download'),
      student.click('[data-testid=material] >> text=第三单元练习卷'),
    ]);
    expect(download.suggestedFilename()).toBe('练习卷.pdf');
    expect(fs.readFileSync((await download.path())!, 'utf8')).toContain('%PDF-1.4');
  });
});
