/**
 * The role × action matrix through the real service: every cell of the table
 * in the README ("Who may do what") is one request by a real account of the
 * demo district. Allowed cells must not be refused for scope or role (they may
 * still answer 409/503 for the lesson's state or SFU=off); refused cells must
 * answer 403. Destructive actions get a fresh target per cell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { LiveStore } from '../../server/live/LiveStore.ts';

let svc: RunningService;
const as: Record<string, ApiClient> = {};

const ACTORS = [
  'admin', // district admin
  's1-admin', // school admin of the class's school
  's2-admin', // school admin of another school
  'lead-g3', // the lessons' lead teacher
  'lead-g4', // a lead teacher of another grade
  't-s1-g3-1', // the class teacher (班主任) of s1-g3-1
  't-s1-g3-2', // a co-teacher of another class
  's1-g3-1-01', // a student of the class
  'p-s1-g3-1-01', // the parent of that student
] as const;
type Actor = (typeof ACTORS)[number];

/** Who may do what; everyone else gets 403. (The README's table, cell for cell.) */
const MATRIX: Record<string, Actor[]> = {
  'upload a grade-3 lesson': ['admin', 'lead-g3'],
  'rename a lesson': ['admin', 'lead-g3'],
  'delete a lesson': ['admin', 'lead-g3'],
  'review (approve) a lesson': ['admin'],
  'schedule a grade-3 live lesson': ['admin', 'lead-g3'],
  'start a live lesson': ['admin', 'lead-g3'],
  'get a publish token': ['admin', 'lead-g3'],
  'end a live lesson': ['admin', 'lead-g3'],
  'watch a grade-3 live lesson': [
    'admin',
    's1-admin',
    's2-admin',
    'lead-g3',
    't-s1-g3-1',
    't-s1-g3-2',
    's1-g3-1-01',
  ],
  'see the class roster': ['admin', 's1-admin', 't-s1-g3-1'],
  "reset a student's password": ['admin', 's1-admin', 't-s1-g3-1'],
  'switch a student account off': ['admin', 's1-admin', 't-s1-g3-1'],
  'erase a student account': ['admin', 's1-admin', 't-s1-g3-1'],
  "export a student's data": ['admin', 's1-admin'],
  'publish a timetable day': ['admin'],
  'set a channel head-end output': ['admin'],
  'read the audit log': ['admin', 's1-admin', 's2-admin'],
  'set homework for the class': ['t-s1-g3-1'],
  "see the class's homework": ['admin', 's1-admin', 't-s1-g3-1'],
  'hand in homework': ['s1-g3-1-01'],
  'allow a live lesson outside the timetable': ['admin'],
  'see the head-end outputs': ['admin'],
  'read the supervision roll-up': ['admin', 's1-admin', 's2-admin'],
  'create a class in the school': ['admin', 's1-admin'],
  'import staff into the school': ['admin', 's1-admin'],
  "mark the class's attendance": ['t-s1-g3-1'],
  "see a child's day and homework": ['p-s1-g3-1-01'],
  "read the class's notices": ['admin', 's1-admin', 't-s1-g3-1'],
  "post a notice to the class's parents": ['admin', 's1-admin', 't-s1-g3-1'],
  'make a parent account': ['admin', 's1-admin', 't-s1-g3-1'],
  'print parent invitation codes': ['admin', 's1-admin', 't-s1-g3-1'],
};

let classId: string;
let childId: string;
let liveId: string;
let homeworkId: string;

const now = () => new Date().toISOString();
async function lessonOfLead3(): Promise<string> {
  const id = LessonStore.newId();
  const lead = (await svc.core.store.findByUsername('lead-g3'))!;
  await svc.core.lessons.create({
    id,
    title: '矩阵测试',
    grade: 3,
    subject: '数学',
    teacherId: lead.id,
    teacherName: lead.displayName,
    status: 'ready',
    review: 'pending',
    source: { key: `originals/${id}/source`, filename: 'x.mp4', size: 1 },
    createdAt: now(),
    updatedAt: now(),
  });
  return id;
}
async function liveOfLead3(): Promise<string> {
  const id = LiveStore.newId();
  const lead = (await svc.core.store.findByUsername('lead-g3'))!;
  await svc.core.live.create({
    id,
    title: '直播矩阵',
    grade: 3,
    subject: '数学',
    teacherId: lead.id,
    teacherName: lead.displayName,
    status: 'scheduled',
    roomId: `lesson-${id.slice(5)}`,
    createdAt: now(),
    updatedAt: now(),
  });
  return id;
}
let studentSeq = 0;
async function freshStudent(): Promise<string> {
  const u = await svc.core.store.createUser({
    username: `matrix-${++studentSeq}-${Date.now() % 100000}`,
    displayName: '矩阵学生',
    role: 'student',
    passwordHash: 'x',
    schoolId: (await svc.core.store.getClass(classId))!.schoolId,
    classIds: [classId],
  });
  return u.id;
}

const tusCreate = (c: ApiClient) =>
  fetch(`${c.baseUrl}/api/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${c.token}`,
      'tus-resumable': '1.0.0',
      'upload-length': '1000',
      'upload-metadata': ['title 矩阵', 'grade 3', 'subject 数学', 'filename a.mp4']
        .map((kv) => {
          const [k, v] = kv.split(' ') as [string, string];
          return `${k} ${Buffer.from(v).toString('base64')}`;
        })
        .join(','),
    },
  });

const ACTIONS: Record<string, (c: ApiClient) => Promise<number>> = {
  'upload a grade-3 lesson': async (c) => (await tusCreate(c)).status,
  'rename a lesson': async (c) =>
    (await c.request('PATCH', `/api/lessons/${await lessonOfLead3()}`, { title: '改名' })).status,
  'delete a lesson': async (c) => (await c.request('DELETE', `/api/lessons/${await lessonOfLead3()}`)).status,
  'review (approve) a lesson': async (c) =>
    (await c.post(`/api/lessons/${await lessonOfLead3()}/review`, { decision: 'approved' })).status,
  'schedule a grade-3 live lesson': async (c) =>
    (await c.post('/api/live', { title: '直播', grade: 3, subject: '数学' })).status,
  'start a live lesson': async (c) => (await c.post(`/api/live/${await liveOfLead3()}/start`)).status,
  'get a publish token': async (c) => (await c.post(`/api/live/${liveId}/publish-token`)).status,
  'end a live lesson': async (c) => (await c.post(`/api/live/${await liveOfLead3()}/end`)).status,
  'watch a grade-3 live lesson': async (c) => (await c.get(`/api/live/${liveId}`)).status,
  'see the class roster': async (c) => (await c.get(`/api/classes/${classId}/students`)).status,
  "reset a student's password": async (c) =>
    (await c.post(`/api/users/${await freshStudent()}/password`, {})).status,
  'switch a student account off': async (c) =>
    (await c.request('PUT', `/api/users/${await freshStudent()}/disabled`, { disabled: true })).status,
  'erase a student account': async (c) =>
    (await c.request('DELETE', `/api/users/${await freshStudent()}`)).status,
  "export a student's data": async (c) => (await c.get(`/api/students/${await freshStudent()}/data`)).status,
  'publish a timetable day': async (c) =>
    (await c.request('PUT', '/api/timetable/9/2030-01-07', { slots: [] })).status,
  'set a channel head-end output': async (c) =>
    (await c.request('PUT', '/api/channels/grade-3/output', { url: 'udp://127.0.0.1:9' })).status,
  'read the audit log': async (c) => (await c.get('/api/audit')).status,
  'set homework for the class': async (c) =>
    (
      await c.post('/api/homework', {
        classIds: [classId],
        subject: '语文',
        title: '矩阵',
        dueAt: new Date(Date.now() + 3600_000).toISOString(),
        expectedMinutes: 1,
      })
    ).status,
  "see the class's homework": async (c) => (await c.get(`/api/classes/${classId}/homework`)).status,
  'hand in homework': async (c) =>
    (await c.put(`/api/homework/${homeworkId}/submission`, { text: '交' })).status,
  "mark the class's attendance": async (c) =>
    (
      await c.put(`/api/classes/${classId}/attendance/marks`, {
        date: '2030-01-07',
        slotId: 'slot_none',
        studentId: 'usr_none',
        status: 'present',
        reason: 'tv',
      })
    ).status,
  "see a child's day and homework": async (c) => (await c.get(`/api/family/children/${childId}/day`)).status,
  "read the class's notices": async (c) => (await c.get(`/api/classes/${classId}/notices`)).status,
  "post a notice to the class's parents": async (c) =>
    (await c.post(`/api/classes/${classId}/notices`, { title: '矩阵', body: '通知' })).status,
  'make a parent account': async (c) =>
    (
      await c.post(`/api/classes/${classId}/parents`, {
        studentId: await freshStudent(),
        username: `matrix-p-${++studentSeq}-${Date.now() % 100000}`,
        displayName: '矩阵家长',
      })
    ).status,
  'allow a live lesson outside the timetable': async (c) =>
    (await c.post(`/api/live/${await liveOfLead3()}/allow-outside-slot`, { reason: '矩阵测试' })).status,
  'see the head-end outputs': async (c) => (await c.get('/api/head-ends')).status,
  'read the supervision roll-up': async (c) => (await c.get('/api/supervision')).status,
  'create a class in the school': async (c) =>
    (await c.post('/api/classes', { schoolId: 'sch_demo1', grade: 3, name: `矩阵${++studentSeq}班` })).status,
  'import staff into the school': async (c) =>
    (
      await c.request(
        'POST',
        '/api/staff/import?school=sch_demo1',
        `username,displayName,role,classes\nmatrix-t-${++studentSeq}-${Date.now() % 100000},矩阵老师,co_teacher,三年级（1）班\n`,
        { contentType: 'text/csv' },
      )
    ).status,
  'print parent invitation codes': async (c) =>
    (await c.post(`/api/classes/${classId}/parent-invites`, {})).status,
};

beforeAll(async () => {
  // Head-end outputs here may only go to a loopback port (no test traffic leaves this machine).
  svc = await startTestService({ TRANSCODE_WORKER: 'off', HEAD_END_ALLOWED: '127.0.0.1/32' });
  for (const a of ACTORS) as[a] = await ApiClient.as(svc.url, a);
  const me = (await as['s1-g3-1-01']!.get<{ user: { id: string; classIds: string[] } }>('/api/me')).body.user;
  classId = me.classIds[0]!;
  childId = me.id;
  liveId = await liveOfLead3();
  homeworkId = (
    await as['t-s1-g3-1']!.post<{ assignment: { id: string } }>('/api/homework', {
      classIds: [classId],
      subject: '语文',
      title: '矩阵作业',
      dueAt: new Date(Date.now() + 3600_000).toISOString(),
      expectedMinutes: 1,
    })
  ).body.assignment.id;
}, 60_000);
afterAll(async () => svc?.close());

describe('who may do what (role × action)', () => {
  for (const [action, allowed] of Object.entries(MATRIX)) {
    it(action, async () => {
      const got: Record<string, number> = {};
      for (const actor of ACTORS) got[actor] = await ACTIONS[action]!(as[actor]!);
      if (process.env.SHOW_MATRIX) console.log(action, JSON.stringify(got));
      for (const actor of ACTORS) {
        if (allowed.includes(actor)) expect(got[actor], `${actor} may ${action}`).not.toBe(403);
        else expect(got[actor], `${actor} may not ${action}`).toBe(403);
        expect(got[actor], `${actor}: ${action} failed on the server`).not.toBe(500);
      }
    });
  }

  it('every action of the README table is tested', () => {
    expect(Object.keys(ACTIONS).sort()).toEqual(Object.keys(MATRIX).sort());
  });
});
