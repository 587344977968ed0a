/**
 * Parents through the real service: the demo parent sees their child's day,
 * homework and notices and nothing of any other child; the class teacher
 * makes parent accounts and prints invitation codes a parent signs up with
 * (wrong codes limited, used codes counted, renewed codes dead); notices
 * with acknowledgement; one absence notice per parent per missed lesson
 * after it ends; TV check-in by a parent; every notice delivered to the
 * district's gateway as a signed webhook, retried when the gateway fails.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { localParts } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';
import { DEMO_PASSWORD } from '../../server/district/demoDistrict.ts';

const CLASS = 'cls_demo_s1_g3_1';
const SECRET = 'gateway-secret-for-tests';

interface Delivery {
  body: {
    deliveryId: string;
    kind: string;
    title: string;
    to: { username: string; phone?: string };
    child?: { displayName: string };
    link: string;
  };
  signature: string;
  valid: boolean;
}

describe('parents', () => {
  let svc: RunningService;
  let gateway: http.Server;
  const deliveries: Delivery[] = [];
  let failNext = 1;
  let teacher: ApiClient;
  let parent: ApiClient;
  let child: { id: string; displayName: string };
  let sibling: { id: string };
  let date = '';

  beforeAll(async () => {
    // The district's SMS/WeChat gateway: refuses the first delivery (to see the retry), keeps the rest.
    gateway = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString();
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end();
          return;
        }
        const signature = String(req.headers['x-skyclass-signature']);
        const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`;
        deliveries.push({
          body: JSON.parse(raw) as Delivery['body'],
          signature,
          valid: signature === expected,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    svc = await startTestService({
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/skyclass`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      ABSENCE_NOTICE_AFTER: '1s',
    });
    teacher = await ApiClient.as(svc.url, 't-s1-g3-1');
    parent = await ApiClient.as(svc.url, 'p-s1-g3-1-01');
    const students = (
      await teacher.get<{ students: { id: string; username: string; displayName: string }[] }>(
        `/api/classes/${CLASS}/students`,
      )
    ).body.students;
    child = students.find((s) => s.username === 's1-g3-1-01')!;
    sibling = students.find((s) => s.username === 's1-g3-1-02')!;
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
    gateway?.close();
  });

  it('shows the demo parent their child, the child’s day and homework', async () => {
    const kids = await parent.get<{ children: { id: string; className: string; grade: number }[] }>(
      '/api/family/children',
    );
    expect(kids.status).toBe(200);
    expect(kids.body.children).toEqual([
      expect.objectContaining({ id: child.id, grade: 3, className: '三年级（1）班' }),
    ]);
    const day = await parent.get<{ slots: unknown[] }>(`/api/family/children/${child.id}/day`);
    expect(day.status).toBe(200);
    expect(Array.isArray(day.body.slots)).toBe(true);
    const hw = await parent.get<{ items: unknown[] }>(`/api/family/children/${child.id}/homework`);
    expect(hw.status).toBe(200);
  });

  it('never shows a parent another family’s child, nor the class’s own pages', async () => {
    for (const path of [
      `/api/family/children/${sibling.id}/day`,
      `/api/family/children/${sibling.id}/homework`,
      '/api/family/children/usr_doesnotexist/day',
    ]) {
      const r = await parent.get(path);
      expect(r.status, path).toBe(403);
      expect(r.body.error?.message).toBe('You can only see your own children.');
    }
    const checkIn = await parent.post(`/api/family/children/${sibling.id}/check-in`, { code: '1234' });
    expect(checkIn.status).toBe(403);
    for (const path of [
      `/api/classes/${CLASS}`,
      `/api/classes/${CLASS}/students`,
      `/api/classes/${CLASS}/attendance`,
      `/api/classes/${CLASS}/homework`,
      `/api/classes/${CLASS}/room/messages`,
      `/api/classes/${CLASS}/notices`,
      `/api/classes/${CLASS}/parents`,
      '/api/homework/mine',
      `/api/users/${child.id}`,
    ]) {
      const r = await parent.get(path);
      expect(r.status, path).toBe(403);
    }
    expect((await parent.get<{ classes: unknown[] }>('/api/classes')).body.classes).toEqual([]);
    expect((await parent.get<{ lessons: unknown[] }>('/api/lessons')).body.lessons).toEqual([]);
    // Signed-out and student callers of the parents' routes.
    expect((await new ApiClient(svc.url).get('/api/family/children')).status).toBe(401);
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    expect((await student.get('/api/family/children')).status).toBe(403);
    expect((await student.get('/api/notices/mine')).status).toBe(403);
  });

  it('lets the class teacher make a parent account for a student of the roster, and nobody else', async () => {
    const other = await ApiClient.as(svc.url, 't-s1-g3-2');
    const refused = await other.post(`/api/classes/${CLASS}/parents`, {
      studentId: sibling.id,
      username: 'p-mallory',
      displayName: '别班老师',
    });
    expect(refused.status).toBe(403);
    const notInClass = await teacher.post(`/api/classes/${CLASS}/parents`, {
      studentId: 'usr_nobody',
      username: 'p-nobody',
      displayName: '无',
    });
    expect(notInClass.status).toBe(400);
    const made = await teacher.post<{ user: { username: string; role: string }; initialPassword: string }>(
      `/api/classes/${CLASS}/parents`,
      { studentId: sibling.id, username: 's1-g3-1-02-p1', displayName: '二号家长', phone: '+8613800000002' },
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.user.role).toBe('parent');
    const badPhone = await teacher.post(`/api/classes/${CLASS}/parents`, {
      studentId: sibling.id,
      username: 's1-g3-1-02-p2',
      displayName: '号码错',
      phone: 'call me',
    });
    expect(badPhone.status).toBe(400);
    expect(JSON.stringify(badPhone.body)).toContain('phone');
    const p2 = await ApiClient.as(svc.url, 's1-g3-1-02-p1', made.body.initialPassword);
    const kids = await p2.get<{ children: { id: string }[] }>('/api/family/children');
    expect(kids.body.children.map((c) => c.id)).toEqual([sibling.id]);
    const list = await teacher.get<{ students: { id: string; parents: { username: string }[] }[] }>(
      `/api/classes/${CLASS}/parents`,
    );
    expect(list.body.students.find((s) => s.id === sibling.id)!.parents.map((p) => p.username)).toEqual([
      's1-g3-1-02-p1',
    ]);
  });

  it('signs parents up with printed invitation codes: wrong codes limited, renewed codes dead', async () => {
    const inv = await teacher.post<{ invites: { studentId: string; code: string; used: number }[] }>(
      `/api/classes/${CLASS}/parent-invites`,
      {},
    );
    expect(inv.status).toBe(200);
    expect(inv.body.invites).toHaveLength(2);
    const code = inv.body.invites.find((i) => i.studentId === child.id)!.code;
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    // The same codes on reprint.
    const again = await teacher.post<{ invites: { code: string }[] }>(
      `/api/classes/${CLASS}/parent-invites`,
      {},
    );
    expect(again.body.invites.map((i) => i.code)).toContain(code);
    expect((await new ApiClient(svc.url).post(`/api/classes/${CLASS}/parent-invites`, {})).status).toBe(401);
    expect((await parent.post(`/api/classes/${CLASS}/parent-invites`, {})).status).toBe(403);

    const anon = new ApiClient(svc.url);
    const signUp = (c: string, username: string) =>
      anon.request('POST', '/api/family/sign-up', {
        code: c,
        username,
        displayName: '爸爸',
        password: 'a-good-password',
      });
    const ok = await signUp(code.toLowerCase().replace('-', ''), 's1-g3-1-01-dad');
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((ok.body as { child: { id: string } }).child.id).toBe(child.id);
    const dad = await ApiClient.as(svc.url, 's1-g3-1-01-dad', 'a-good-password');
    expect((await dad.get<{ children: { id: string }[] }>('/api/family/children')).body.children[0]!.id).toBe(
      child.id,
    );
    const renewed = await teacher.post<{ invites: { studentId: string; code: string }[] }>(
      `/api/classes/${CLASS}/parent-invites`,
      { renew: true },
    );
    const fresh = renewed.body.invites.find((i) => i.studentId === child.id)!.code;
    expect(fresh).not.toBe(code);
    // The old code is dead (and counts as a wrong code for this address).
    const dead = await dad.request('POST', '/api/family/children', { code });
    expect(dead.status).toBe(400);
    // The dad links no one twice; the sibling's code links a second child.
    const siblingCode = renewed.body.invites.find((i) => i.studentId === sibling.id)!.code;
    const linked = await dad.post<{ child: { id: string } }>('/api/family/children', { code: siblingCode });
    expect(linked.status).toBe(201);
    expect((await dad.get<{ children: unknown[] }>('/api/family/children')).body.children).toHaveLength(2);
    // The class teacher undoes a wrong link.
    const dadId = (await dad.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const unlink = await teacher.request(
      'DELETE',
      `/api/classes/${CLASS}/parents/${dadId}/children/${sibling.id}`,
    );
    expect(unlink.status).toBe(200);
    expect((await dad.get(`/api/family/children/${sibling.id}/day`)).status).toBe(403);
    const malformed = await signUp('hello', 'someone');
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('8-character code');
    // Nine more wrong codes (ten with the dead one), then the address is told to wait.
    let last = 0;
    for (let i = 0; i < 9; i++) last = (await signUp('ZZZZ-ZZZZ', `guess-${i}`)).status;
    expect(last).toBe(400);
    const limited = await signUp('ZZZZ-ZZZZ', 'guess-x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // Nothing half-made: the refused usernames do not exist.
    expect(await ApiClient.as(svc.url, 'guess-0', 'a-good-password').catch(() => null)).toBeNull();
  });

  it('posts notices that parents acknowledge, and tells the class teacher who has not', async () => {
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    expect((await student.post(`/api/classes/${CLASS}/notices`, { title: 'x', body: 'y' })).status).toBe(403);
    const otherTeacher = await ApiClient.as(svc.url, 't-s1-g3-2');
    expect((await otherTeacher.post(`/api/classes/${CLASS}/notices`, { title: 'x', body: 'y' })).status).toBe(
      403,
    );
    const empty = await teacher.post(`/api/classes/${CLASS}/notices`, { title: ' ', body: 'y' });
    expect(empty.status).toBe(400);
    const posted = await teacher.post<{ notice: { id: string } }>(`/api/classes/${CLASS}/notices`, {
      title: '下周一家长会',
      body: '下周一晚上 7 点线上家长会，请准时参加。',
    });
    expect(posted.status).toBe(201);
    const id = posted.body.notice.id;
    const mine = await parent.get<{ unread: number; notices: { id: string; acknowledgedAt?: string }[] }>(
      '/api/notices/mine',
    );
    expect(mine.body.notices.map((n) => n.id)).toContain(id);
    expect(mine.body.unread).toBeGreaterThanOrEqual(1);
    const ack = await parent.post<{ acknowledgedAt: string }>(`/api/notices/${id}/ack`);
    expect(ack.status).toBe(200);
    // A parent of another class cannot acknowledge (nor learn that the notice exists).
    const otherParent = await ApiClient.as(svc.url, 'p-s1-g3-2-01');
    expect((await otherParent.post(`/api/notices/${id}/ack`)).status).toBe(404);
    expect(
      (await otherParent.get<{ notices: { id: string }[] }>('/api/notices/mine')).body.notices.map(
        (n) => n.id,
      ),
    ).not.toContain(id);
    const view = await teacher.get<{
      parents: number;
      notices: { id: string; acknowledged: number; waiting: { parentName: string; childName: string }[] }[];
    }>(`/api/classes/${CLASS}/notices`);
    const n = view.body.notices.find((x) => x.id === id)!;
    expect(n.acknowledged).toBe(1);
    expect(view.body.parents).toBe(n.acknowledged + n.waiting.length);
    expect(n.waiting.length).toBeGreaterThanOrEqual(1);
    // The gateway got one signed delivery per parent (the first after a retry).
    await expect
      .poll(() => deliveries.filter((d) => d.body.kind === 'class').length, {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(view.body.parents);
    expect(deliveries.every((d) => d.valid)).toBe(true);
    const toSibling = deliveries.find((d) => d.body.to.username === 's1-g3-1-02-p1')!;
    expect(toSibling.body.to.phone).toBe('+8613800000002');
    expect(toSibling.body.link).toMatch(/\/#\/family$/);
  }, 60_000);

  it('limits how many notices a class posts a day', async () => {
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++)
      status = (await teacher.post(`/api/classes/${CLASS}/notices`, { title: `通知 ${i}`, body: '内容' }))
        .status;
    expect(status).toBe(429);
  });

  it('sends one absence notice per parent per missed lesson once it is over, and lets a parent check in via TV', async () => {
    const admin = await ApiClient.as(svc.url, 'admin');
    const lead = await ApiClient.as(svc.url, 'lead-g3');
    const liveId = async (title: string) =>
      (await lead.post<{ lesson: { id: string } }>('/api/live', { title, grade: 3, subject: '数学' })).body
        .lesson.id;
    const t = Date.now();
    date = localParts(t).date;
    const put = await admin.request('PUT', `/api/timetable/3/${date}`, {
      slots: [
        {
          start: localParts(t - 8 * 60_000).time,
          end: localParts(t - 6 * 60_000).time,
          subject: '数学',
          kind: 'live',
          lesson: await liveId('已结束的第一节课'),
          override: { reason: '测试：缺课提醒' },
        },
        {
          start: localParts(t - 4 * 60_000).time,
          end: localParts(t - 2 * 60_000).time,
          subject: '语文',
          kind: 'live',
          lesson: await liveId('已结束的第二节课'),
          override: { reason: '测试：缺课提醒' },
        },
        {
          start: localParts(t - 60_000).time,
          end: localParts(t + 10 * 60_000).time,
          subject: '数学',
          kind: 'live',
          lesson: await liveId('正在上的课'),
          override: { reason: '测试：家长电视签到' },
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    // The sibling was marked present by the teacher: no notice for their parents.
    const day = await teacher.get<{ slots: { slotId: string; title: string }[] }>(
      `/api/classes/${CLASS}/attendance?date=${date}`,
    );
    const ended = day.body.slots[0]!;
    const mark = await teacher.request('PUT', `/api/classes/${CLASS}/attendance/marks`, {
      date,
      slotId: ended.slotId,
      studentId: sibling.id,
      status: 'present',
      reason: 'tv',
    });
    expect(mark.status, JSON.stringify(mark.body)).toBe(200);
    // Grade 3 has four demo classes, each with one parent (of its first student), and this child also has
    // the dad who signed up: 5 deliveries a lesson; the sibling's parent gets one, for the second lesson
    // only (marked present in the first).
    const sent = await svc.notices!.sweepAbsences();
    expect(sent).toBe(5 + 6);
    expect(await svc.notices!.sweepAbsences()).toBe(0); // once only
    const mine = await parent.get<{
      notices: { id: string; kind: string; title: string; studentId?: string; slotId?: string }[];
    }>('/api/notices/mine');
    // One notice for the child's day, listing both lessons.
    const absence = (
      mine.body.notices as {
        kind: string;
        id: string;
        title: string;
        body?: string;
        studentId?: string;
        slotId?: string;
      }[]
    ).filter((n) => n.kind === 'absence');
    expect(absence).toHaveLength(1);
    expect(absence[0]!.studentId).toBe(child.id);
    expect(absence[0]!.slotId).toBe(ended.slotId);
    expect(absence[0]!.title).toBe(`缺课提醒：${child.displayName}今天有 2 节课没有上`);
    expect(absence[0]!.body).toContain('《数学》');
    expect(absence[0]!.body).toContain('《语文》');
    expect((await parent.post(`/api/notices/${absence[0]!.id}/ack`)).status).toBe(200);
    await expect
      .poll(() => deliveries.filter((d) => d.body.kind === 'absence').length, { timeout: 30_000 })
      .toBe(11);
    const forChild = deliveries.filter(
      (d) => d.body.kind === 'absence' && d.body.child?.displayName === child.displayName,
    );
    expect(forChild.map((d) => d.body.to.username).sort()).toEqual([
      'p-s1-g3-1-01',
      'p-s1-g3-1-01',
      's1-g3-1-01-dad',
      's1-g3-1-01-dad',
    ]);
    expect(new Set(forChild.map((d) => d.body.deliveryId)).size).toBe(4);

    // The family TV: the parent enters the channel's code for their child; the day says present via TV.
    const guide = await parent.get<{ channels: { id: string; checkInCode?: string }[] }>('/api/channels');
    const code = guide.body.channels.find((c) => c.id === 'grade-3')!.checkInCode!;
    expect(code).toMatch(/^\d{4}$/);
    const wrong = await parent.post(`/api/family/children/${child.id}/check-in`, {
      code: code === '0000' ? '1111' : '0000',
    });
    expect(wrong.status).toBe(400);
    const ok = await parent.post(`/api/family/children/${child.id}/check-in`, { code });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const childDay = await parent.get<{
      slots: { slotId: string; attendance: { status: string; source?: string } }[];
    }>(`/api/family/children/${child.id}/day?date=${date}`);
    expect(childDay.body.slots[0]!.attendance.status).toBe('absent');
    expect(childDay.body.slots[2]!.attendance).toMatchObject({ status: 'present', source: 'tv' });
  }, 60_000);

  it('keeps the demo password out of the gateway and every delivery signed', () => {
    expect(JSON.stringify(deliveries)).not.toContain(DEMO_PASSWORD);
    expect(deliveries.every((d) => d.signature.startsWith('sha256='))).toBe(true);
  });
});
