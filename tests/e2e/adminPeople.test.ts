/**
 * Schools, classes and staff (学校与人员) in real Chromium: the district admin
 * adds a school, a class in it and a co-teacher for that class, imports a
 * staff list whose bad rows are reported line by line, switches an account
 * off; a school admin on a phone manages their own school only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/ApiClient.ts';

const suite = browserSuite();

describe('schools, classes and staff', () => {
  it('the district adds a school, a class, a co-teacher; imports a staff list; switches an account off', async () => {
    const page = await suite.signIn('admin');
    await page.click('[data-testid=nav-admin]');
    await page.click('[data-testid=admin-people-link]');
    await page.waitForSelector('[data-testid=schools]');
    expect(await page.textContent('[data-testid=schools]')).toContain('东城第一实验学校');
    expect(await page.locator('[data-testid=staff] tr[data-username=lead-g3]').count()).toBe(1);

    // A new school, then its first class.
    await page.fill('[data-testid=school-name]', '第三实验小学');
    await page.click('[data-testid=add-school] button');
    await page.waitForSelector('[data-testid=school-classes] >> text=还没有班级');
    await page.selectOption('[data-testid=class-grade]', '3');
    await page.fill('[data-testid=class-name]', '三年级（1）班');
    await page.click('[data-testid=class-add]');
    await page.waitForSelector('[data-testid=classes] >> text=三年级（1）班');

    // A co-teacher for that class, with the generated initial password shown once.
    await page.fill('[data-testid=staff-username]', 't-third-wang');
    await page.fill('[data-testid=staff-name]', '王老师');
    await page.fill('[data-testid=staff-subjects]', '数学');
    const password = await page.inputValue('[data-testid=staff-password]');
    await page.check('[data-testid=staff-class] >> nth=0');
    await page.click('[data-testid=staff-add]');
    // The list is drawn again with the new person; the one-time password stays on screen to be noted.
    await page.waitForSelector('[data-testid=staff] tr[data-username=t-third-wang]');
    await page.waitForSelector('.status-area .notice.ok');
    expect(await page.textContent('.status-area')).toContain(password);
    expect(await page.textContent('[data-testid=staff] tr[data-username=t-third-wang]')).toContain(
      '三年级（1）班',
    );
    await ApiClient.as(suite.svc.url, 't-third-wang', password); // the account signs in

    // A staff list: one good row, two bad ones, reported line by line.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staff-')), '教职工.csv');
    fs.writeFileSync(
      file,
      '用户名,姓名,角色,班级,学科\nt-third-li,李老师,任课教师,三年级（1）班,语文\nt-third-x,错班老师,任课教师,五年级（9）班,语文\nt-third-y,无角色,校长,,\n',
    );
    await page.setInputFiles('[data-testid=staff-csv]', file);
    await page.waitForSelector('[data-testid=staff-import-report] [data-testid=import-errors]');
    const report = await page.textContent('[data-testid=staff-import-report]');
    expect(report).toContain('t-third-li');
    expect(report).toMatch(/五年级（9）班/);
    expect(await page.locator('[data-testid=import-errors] tbody tr').count()).toBe(2);
    await page.screenshot({ path: path.join(SHOTS, 'admin-people-school.png'), fullPage: true });

    // Switch the new co-teacher off (the page asks first; the suite's pages accept): the row says so; signing in is refused.
    await page.click('[data-testid=staff] tr[data-username=t-third-wang] [data-testid=staff-toggle]');
    await page.waitForSelector('[data-testid=staff] tr[data-username=t-third-wang] >> text=已停用');
    const login = await new ApiClient(suite.svc.url).post('/api/auth/login', {
      username: 't-third-wang',
      password,
    });
    expect(login.status).toBe(403);
  });

  it('a school admin manages their own school on a phone', async () => {
    const page = await suite.signIn('s1-admin', true);
    await page.click('[data-testid=nav-admin]');
    await page.click('[data-testid=admin-people-link]');
    await page.waitForSelector('[data-testid=school-classes]');
    expect(await page.textContent('h1')).toContain('东城第一实验学校');
    expect(await page.locator('[data-testid=schools]').count()).toBe(0);
    expect(await page.locator('[data-testid=staff] tr[data-username=t-s1-g3-1]').count()).toBe(1);
    // Their role choice: co-teachers and school admins only.
    const roles = await page
      .locator('[data-testid=staff-role] option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(roles).toEqual(['co_teacher', 'school_admin']);
    await page.screenshot({ path: path.join(SHOTS, 'admin-people-phone.png'), fullPage: true });
  });
});
