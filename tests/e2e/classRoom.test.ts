/**
 * The class room in Chromium: a student's link is refused with a notice,
 * their question reaches the co-teacher, whose answer reaches the student.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { launchChromium, submitLogin } from '../helpers/browser.ts';
import { startTestService } from '../helpers/service.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';

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

it('a student asks, a link is refused, the co-teacher answers', async () => {
  const classId = (
    await (await ApiClient.as(svc.url, 's1-g3-1-01')).get<{ user: { classIds: string[] } }>('/api/me')
  ).body.user.classIds[0]!;
  const student = await (await browser.newContext({ viewport: { width: 390, height: 800 } })).newPage();
  await submitLogin(student, svc.url, 's1-g3-1-01');
  await student.waitForSelector('[data-testid^=home-]');
  await student.goto(`${svc.url}/#/class/${classId}`);
  await student.click('[data-testid=open-room]');
  await student.waitForSelector('[data-testid=room-input]');

  await student.fill('[data-testid=room-input]', '答案在 www.example.com');
  await student.click('[data-testid=room-send]');
  await student.getByText('不能发链接或网址').waitFor();

  await student.fill('[data-testid=room-input]', '老师，分数怎么比大小？');
  await student.check('[data-testid=room-question]');
  await student.click('[data-testid=room-send]');
  await student.getByText('老师，分数怎么比大小？').waitFor();

  const teacher = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await submitLogin(teacher, svc.url, 't-s1-g3-1');
  await teacher.waitForSelector('[data-testid^=home-]');
  await teacher.goto(`${svc.url}/#/class/${classId}/room`);
  await teacher.getByText('老师，分数怎么比大小？').waitFor();
  teacher.once('dialog', (d) => void d.accept('先通分，再比较分子。'));
  await teacher.getByRole('button', { name: '回答' }).click();
  await student.getByText('先通分，再比较分子。').waitFor({ timeout: 5000 });
  expect(await student.locator('[data-testid=room-messages]').textContent()).toContain('已回答');
  await student.screenshot({ path: path.join(SHOTS, 'class-room-student.png'), fullPage: true });
  await teacher.screenshot({ path: path.join(SHOTS, 'class-room-teacher.png'), fullPage: true });
}, 90_000);

it('a district supervisor reads the class room without writing, and the class sees them there', async () => {
  const classId = 'cls_demo_s1_g3_1';
  const student = await (await browser.newContext({ viewport: { width: 390, height: 800 } })).newPage();
  await submitLogin(student, svc.url, 's1-g3-1-01');
  await student.waitForSelector('[data-testid^=home-]');
  await student.goto(`${svc.url}/#/class/${classId}/room`);
  await student.waitForSelector('[data-testid=room-input]');
  expect(await student.isHidden('[data-testid=room-observers]')).toBe(true);

  const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await submitLogin(admin, svc.url, 'admin');
  await admin.waitForSelector('[data-testid^=home-]');
  await admin.goto(`${svc.url}/#/class/${classId}`);
  await admin.click('[data-testid=observe-room]');
  await admin.waitForSelector('[data-testid=room-readonly]');
  await admin.getByText('老师，分数怎么比大小？').waitFor(); // the history from the first test
  expect(await admin.locator('[data-testid=room-input]').count()).toBe(0);
  // The class sees the observer at once.
  await student.waitForSelector('[data-testid=room-observers]:visible');
  expect(await student.textContent('[data-testid=room-observers]')).toContain('周主任');
  await student.screenshot({ path: path.join(SHOTS, 'class-room-observed.png'), fullPage: true });
  // Writing is refused on the server too (not only hidden), and a school admin may not even read.
  const api = await ApiClient.as(svc.url, 'admin');
  expect((await api.get(`/api/classes/${classId}/room/messages`)).status).toBe(200);
  expect(
    (await (await ApiClient.as(svc.url, 's1-admin')).get(`/api/classes/${classId}/room/messages`)).status,
  ).toBe(403);
  const sockets = new SocketPool();
  try {
    const sock = await sockets.connect(svc.url, api.token);
    expect(await ack(sock, 'room:join', { classId })).toMatchObject({ ok: true, readOnly: true });
    const sent = await ack<{ error?: { code: string } }>(sock, 'room:send', {
      classId,
      kind: 'chat',
      text: '大家好',
    });
    expect(sent.error?.code).toBe('FORBIDDEN_SCOPE');
  } finally {
    sockets.closeAll();
  }
  // The observer leaves: the class is told.
  await admin.close();
  await student.waitForSelector('[data-testid=room-observers]', { state: 'hidden', timeout: 10_000 });
}, 90_000);
