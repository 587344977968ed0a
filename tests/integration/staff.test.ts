/**
 * Schools, classes and staff through the real service: the staff list of a
 * school and of the district; a staff list imported from CSV (English or
 * Chinese headers, UTF-8 or GBK) creates the good rows and reports each bad
 * one with its line and reason; generated passwords sign in; school admins
 * stay in their school and cannot make lead teachers; switched-off accounts
 * cannot sign in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';

let svc: RunningService;
interface Report {
  created: number;
  failed: number;
  rows: {
    line: number;
    user: { id: string; username: string; role: string; classIds?: string[] };
    initialPassword?: string;
  }[];
  errors: { line: number; username?: string; code: string; message: string }[];
}

beforeAll(async () => {
  svc = await startTestService();
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

const csv = (c: ApiClient, text: string | Buffer, school?: string) =>
  c.request<Report & { error?: { code: string; message: string } }>(
    'POST',
    `/api/staff/import${school ? `?school=${school}` : ''}`,
    text,
    { contentType: 'text/csv' },
  );

describe('staff accounts', () => {
  it('lists a school’s staff for its admins and the district’s own staff for district admins', async () => {
    const s1 = await ApiClient.as(svc.url, 's1-admin');
    const own = await s1.get<{ staff: { username: string; role: string; schoolId?: string }[] }>(
      '/api/staff',
    );
    expect(own.status).toBe(200);
    expect(own.body.staff.map((u) => u.username)).toContain('t-s1-g3-1');
    expect(own.body.staff.every((u) => u.schoolId === 'sch_demo1')).toBe(true);
    expect(own.body.staff.some((u) => u.role === 'student' || u.role === 'parent')).toBe(false);
    expect((await s1.get('/api/staff?school=sch_demo2')).status).toBe(403);
    const admin = await ApiClient.as(svc.url, 'admin');
    const district = await admin.get<{ staff: { username: string; role: string }[] }>('/api/staff');
    expect(new Set(district.body.staff.map((u) => u.role))).toEqual(
      new Set(['lead_teacher', 'district_admin']),
    );
    expect((await admin.get('/api/staff?school=sch_nope')).status).toBe(404);
    for (const u of ['lead-g3', 't-s1-g3-1', 's1-g3-1-01', 'p-s1-g3-1-01'])
      expect((await (await ApiClient.as(svc.url, u)).get('/api/staff')).status, u).toBe(403);
  });

  it('imports a staff list: good rows created, bad rows reported line by line', async () => {
    const s1 = await ApiClient.as(svc.url, 's1-admin');
    const r = await csv(
      s1,
      [
        'username,displayName,role,classes,subjects,password,grades',
        't-new-wang,王老师,co_teacher,三年级(1)班、三年级（2）班,数学,,',
        't-new-zhao,赵老师,任课教师,三年级（1）班,语文,zhaolaoshi2026,',
        't-new-admin,钱主任,学校管理员,,,,',
        't-bad-class,孙老师,co_teacher,九年级（9）班,数学,,',
        't-bad-lead,周老师,lead_teacher,,数学,,3',
        't-bad-role,吴老师,校长,,,,',
        't-s1-g3-1,重名,co_teacher,三年级（1）班,,,',
        'BAD NAME,x,co_teacher,三年级（1）班,,,',
        't-new-wang,又一个王老师,co_teacher,三年级（1）班,,,',
        't-short-pw,郑老师,co_teacher,三年级（1）班,,123,',
        't-no-class,冯老师,co_teacher,,,,',
      ].join('\n'),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.created).toBe(3);
    const codes = Object.fromEntries(r.body.errors.map((e) => [e.line, e.code]));
    expect(codes).toEqual({
      5: 'ROW_CLASSES',
      6: 'ROW_ROLE',
      7: 'ROW_ROLE',
      8: 'ROW_EXISTS',
      9: 'ROW_USERNAME',
      10: 'ROW_DUPLICATE',
      11: 'ROW_PASSWORD',
      12: 'ROW_CLASSES',
    });
    expect(r.body.errors.find((e) => e.line === 5)!.message).toContain('九年级（9）班');
    expect(r.body.errors.find((e) => e.line === 6)!.message).toContain('district');
    // Who was created: classes found by name (either bracket), a password generated where none was given.
    const wang = r.body.rows.find((x) => x.user.username === 't-new-wang')!;
    expect(wang.user.classIds).toEqual(['cls_demo_s1_g3_1', 'cls_demo_s1_g3_2']);
    expect(wang.initialPassword).toMatch(/^\S{8,}$/);
    expect(r.body.rows.find((x) => x.user.username === 't-new-zhao')!.initialPassword).toBeUndefined();
    expect(r.body.rows.find((x) => x.user.username === 't-new-admin')!.user.role).toBe('school_admin');
    const signedIn = await ApiClient.as(svc.url, 't-new-wang', wang.initialPassword);
    const cls = await signedIn.get<{ class: { id: string } }>('/api/classes/cls_demo_s1_g3_2');
    expect(cls.status).toBe(200);
    expect(await svc.core.store.findByUsername('t-bad-class')).toBeUndefined();
    // Switched off: cannot sign in; on again: can.
    const off = await s1.request('PUT', `/api/users/${wang.user.id}/disabled`, { disabled: true });
    expect(off.status).toBe(200);
    const login = await new ApiClient(svc.url).post('/api/auth/login', {
      username: 't-new-wang',
      password: wang.initialPassword,
    });
    expect(login.status).toBe(403);
    expect((await s1.request('PUT', `/api/users/${wang.user.id}/disabled`, { disabled: false })).status).toBe(
      200,
    );
    await ApiClient.as(svc.url, 't-new-wang', wang.initialPassword);
  });

  it('reads GBK files with Chinese headers; keeps school admins in their school; explains malformed files', async () => {
    const s1 = await ApiClient.as(svc.url, 's1-admin');
    // "用户名,姓名,角色,班级\nt-gbk-li,李老师,任课教师,三年级（2）班\n" as Excel on Chinese Windows saves it (GBK).
    const gbk = Buffer.from(
      'd3c3bba7c3fb2cd0d5c3fb2cbdc7c9ab2cb0e0bcb60a742d67626b2d6c692cc0eec0cfcaa62cc8cebfcebdcccaa62cc8fdc4eabcb6a3a832a3a9b0e00a',
      'hex',
    );
    const r = await csv(s1, gbk);
    expect(r.body.created, JSON.stringify(r.body)).toBe(1);
    expect(r.body.rows[0]!.user).toMatchObject({ username: 't-gbk-li', classIds: ['cls_demo_s1_g3_2'] });
    expect((await csv(s1, 'username,displayName,role\nt-x-1,x,co_teacher\n', 'sch_demo2')).status).toBe(403);
    const empty = await csv(s1, '');
    expect(empty.status).toBe(400);
    expect(empty.body.error!.code).toBe('CSV_MALFORMED');
    const noRole = await csv(s1, 'username,displayName\nt-x-2,x\n');
    expect(noRole.body.error!.message).toContain('role');
    // The district: lead teachers without a school; school staff need a school.
    const admin = await ApiClient.as(svc.url, 'admin');
    const lead = await csv(
      admin,
      '用户名,姓名,角色,年级,学科,班级\nlead-new-g4,新主讲,主讲教师,四年级、5,英语,\nt-nowhere,无校老师,任课教师,,,三年级（1）班\n',
    );
    expect(lead.body.created).toBe(1);
    expect(lead.body.rows[0]!.user).toMatchObject({
      role: 'lead_teacher',
      grades: [4, 5],
      subjects: ['英语'],
    });
    expect(lead.body.errors).toEqual([expect.objectContaining({ line: 3, code: 'ROW_SCHOOL' })]);
    // Into a school, as the district.
    const into = await csv(
      admin,
      'username,displayName,role,classes\nt-s2-new,新老师,co_teacher,三年级（1）班\n',
      'sch_demo2',
    );
    expect(into.body.rows[0]!.user.classIds).toEqual(['cls_demo_s2_g3_1']);
  });
});
