/**
 * Homework through the real service: a co-teacher sets it within the day's
 * limit (and is refused above it, with the figures), students hand in photos
 * over tus (a cut-off upload resumes; a file that is not what its name says
 * is refused), late work is kept and marked late, the co-teacher marks with
 * a comment and a redo, the student resubmits (the earlier version kept),
 * the class table and the in-depth marking rotation move on, and nobody
 * reaches another class's homework or files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { tusErrorBody, tusUpload } from '../helpers/tusUpload.ts';

const CLASS = 'cls_demo_s1_g3_1';
const OTHER_CLASS = 'cls_demo_s1_g3_2';
const HW_UPLOADS = '/api/homework/uploads';

interface Sub {
  late: boolean;
  version: number;
  attachments: { id: string; kind: string; contentType: string }[];
  mark?: { grade?: string; comment?: string; redo: boolean };
}

describe('homework', () => {
  let svc: RunningService;
  let teacher: ApiClient;
  let student: ApiClient;
  let classmate: ApiClient;
  let otherStudent: ApiClient;
  const dir = tmpDir('homework');
  const photo = path.join(dir, 'page1.jpg');
  const fakePhoto = path.join(dir, 'page2.jpg');

  const upload = (who: ApiClient, file: string, chunkSize?: number) =>
    tusUpload(svc.url, who.token!, file, {}, { endpoint: HW_UPLOADS, ...(chunkSize ? { chunkSize } : {}) });
  const fileIdOf = (r: { body: string }) => (JSON.parse(r.body) as { file: { id: string } }).file.id;
  const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

  beforeAll(async () => {
    svc = await startTestService();
    const signedIn = await Promise.all(
      ['t-s1-g3-1', 's1-g3-1-01', 's1-g3-1-02', 's1-g3-2-01'].map((u) => ApiClient.as(svc.url, u)),
    );
    [teacher, student, classmate, otherStudent] = signedIn as [ApiClient, ApiClient, ApiClient, ApiClient];
    // A real photo of a page (JPEG, ~100 KB+), and a text file named like a photo.
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x960',
      '-frames:v',
      '1',
      '-q:v',
      '2',
      photo,
    ]);
    fs.writeFileSync(fakePhoto, 'this is not a photo\n'.repeat(100));
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
  });

  let hwId = '';

  it('shows the day’s load, refuses homework above the level’s limit with the figures, and sets it', async () => {
    const load = await teacher.get<{
      classes: { limitMinutes: number; setMinutes: number; over: boolean }[];
    }>(`/api/homework/load?classIds=${CLASS}&minutes=30`);
    expect(load.status).toBe(200);
    // Grade 3 is primary_upper: 60 minutes a day by default.
    expect(load.body.classes[0]).toMatchObject({ limitMinutes: 60, setMinutes: 0, over: false });
    const first = await teacher.post<{ assignment: { id: string; date: string } }>('/api/homework', {
      classIds: [CLASS],
      subject: '语文',
      title: '抄写第三课生字',
      instructions: '每个生字写三遍，拍照上传。',
      dueAt: inHours(6),
      expectedMinutes: 40,
    });
    expect(first.status).toBe(201);
    hwId = first.body.assignment.id;
    const over = await teacher.post('/api/homework', {
      classIds: [CLASS],
      subject: '语文',
      title: '再写一遍',
      dueAt: inHours(6),
      expectedMinutes: 30,
    });
    expect(over.status).toBe(400);
    expect(over.body.error!.message).toMatch(/already has 40 min .* 70 min, above the limit of 60 min/);
    // Nothing was created by the refused request.
    const view = await teacher.get<{ assignments: unknown[] }>(`/api/classes/${CLASS}/homework`);
    expect(view.body.assignments).toHaveLength(1);
  });

  it('lets only the class’s co-teachers set homework, and each role see only its own scope', async () => {
    const body = {
      classIds: [OTHER_CLASS],
      subject: '语文',
      title: 'x',
      dueAt: inHours(2),
      expectedMinutes: 5,
    };
    expect((await teacher.post('/api/homework', body)).body.error!.code).toBe('FORBIDDEN_SCOPE');
    expect((await student.post('/api/homework', { ...body, classIds: [CLASS] })).status).toBe(403);
    const lead = await ApiClient.as(svc.url, 'lead-g3');
    expect((await lead.get(`/api/classes/${CLASS}/homework`)).status).toBe(403);
    expect((await otherStudent.get(`/api/homework/${hwId}`)).body.error!.code).toBe('FORBIDDEN_SCOPE');
    const otherTeacher = await ApiClient.as(svc.url, 't-s1-g3-2');
    expect((await otherTeacher.get(`/api/classes/${CLASS}/homework`)).status).toBe(403);
    // The grade's maths co-teacher teaches both classes: one homework for both.
    const maths = await ApiClient.as(svc.url, 't-s1-g3-math');
    const both = await maths.post('/api/homework', {
      ...body,
      subject: '数学',
      classIds: [CLASS, OTHER_CLASS],
    });
    expect(both.status).toBe(201);
    const admin = await ApiClient.as(svc.url, 's1-admin');
    expect((await admin.get(`/api/classes/${CLASS}/homework`)).status).toBe(200);
    expect((await admin.post('/api/homework', body)).status).toBe(403);
  });

  it('refuses a file that is not what its name says, with the reason', async () => {
    const err = await upload(student, fakePhoto).then(
      () => undefined,
      (e: unknown) => tusErrorBody(e),
    );
    expect(err?.status).toBe(415);
    expect(err?.body).toMatch(/is not a photo .*whatever its name says/);
  });

  it('resumes a photo upload cut off mid-way, then hands it in', async () => {
    const bytes = fs.readFileSync(photo);
    const auth = { authorization: `Bearer ${student.token}`, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${svc.url}${HW_UPLOADS}`, {
      method: 'POST',
      headers: {
        ...auth,
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${btoa('page1.jpg')}`,
      },
    });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, svc.url).toString();
    const half = Math.floor(bytes.length / 2);
    const patch = (offset: number, chunk: Buffer) =>
      fetch(url, {
        method: 'PATCH',
        headers: {
          ...auth,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: new Uint8Array(chunk),
      });
    expect((await patch(0, bytes.subarray(0, half))).status).toBe(204);
    // The connection dropped; the phone asks how far it got and sends the rest.
    const head = await fetch(url, { method: 'HEAD', headers: auth });
    expect(Number(head.headers.get('upload-offset'))).toBe(half);
    // Someone else cannot continue (or read) it.
    const stranger = await fetch(url, {
      method: 'HEAD',
      headers: { ...auth, authorization: `Bearer ${classmate.token}` },
    });
    expect(stranger.status).toBe(403);
    const done = await patch(half, bytes.subarray(half));
    expect(done.status).toBe(200);
    const { file } = (await done.json()) as {
      file: { id: string; kind: string; contentType: string; size: number };
    };
    expect(file).toMatchObject({ kind: 'image', contentType: 'image/jpeg', size: bytes.length });

    // A classmate cannot hand in someone else's upload.
    const stolen = await classmate.put(`/api/homework/${hwId}/submission`, { attachmentIds: [file.id] });
    expect(stolen.status).toBe(400);
    const second = fileIdOf(await upload(student, photo));
    const sub = await student.put<{ submission: Sub }>(`/api/homework/${hwId}/submission`, {
      text: '老师，我写完了。',
      attachmentIds: [file.id, second],
    });
    expect(sub.status).toBe(200);
    expect(sub.body.submission).toMatchObject({ late: false, version: 1 });
    expect(sub.body.submission.attachments).toHaveLength(2);
    // The photo comes back byte for byte to the student and the teacher; not to another class's student.
    const got = await fetch(`${svc.url}/api/homework/files/${file.id}`, {
      headers: { authorization: `Bearer ${teacher.token}` },
    });
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    const denied = await fetch(`${svc.url}/api/homework/files/${file.id}`, {
      headers: { authorization: `Bearer ${otherStudent.token}` },
    });
    expect(denied.status).toBe(403);
    const peer = await fetch(`${svc.url}/api/homework/files/${file.id}`, {
      headers: { authorization: `Bearer ${classmate.token}` },
    });
    expect(peer.status).toBe(403);
  });

  it('keeps a submission after the due time and marks it late', async () => {
    const quick = await teacher.post<{ assignment: { id: string } }>('/api/homework', {
      classIds: [CLASS],
      subject: '语文',
      title: '朗读打卡',
      dueAt: new Date(Date.now() + 1500).toISOString(),
      expectedMinutes: 5,
    });
    expect(quick.status).toBe(201);
    await new Promise((r) => setTimeout(r, 2000));
    const late = await classmate.put<{ submission: Sub }>(
      `/api/homework/${quick.body.assignment.id}/submission`,
      {
        text: '我读完了',
      },
    );
    expect(late.status).toBe(200);
    expect(late.body.submission.late).toBe(true);
    const empty = await student.put(`/api/homework/${quick.body.assignment.id}/submission`, {});
    expect(empty.body.error!.message).toMatch(/at least one photo/);
  });

  it('marks with a comment and a redo; the student sees it, resubmits, and the earlier version is kept', async () => {
    const studentId = (await student.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const mark = await teacher.post<{ submission: Sub }>(
      `/api/homework/${hwId}/submissions/${studentId}/mark`,
      { grade: 'good', comment: '字写得工整，“晴”字再练一练。', redo: true, inDepth: true },
    );
    expect(mark.status).toBe(200);
    const mine = await student.get<{
      items: { assignment: { id: string }; state: string; submission?: Sub }[];
    }>('/api/homework/mine');
    const item = mine.body.items.find((i) => i.assignment.id === hwId)!;
    expect(item.state).toBe('redo');
    expect(item.submission!.mark).toMatchObject({
      grade: 'good',
      redo: true,
      comment: expect.stringContaining('晴'),
    });
    const again = await student.put<{ submission: Sub }>(`/api/homework/${hwId}/submission`, {
      attachmentIds: [fileIdOf(await upload(student, photo))],
    });
    expect(again.body.submission.version).toBe(2);
    const detail = await student.get<{ history: Sub[] }>(`/api/homework/${hwId}`);
    expect(detail.body.history).toHaveLength(1);
    expect(detail.body.history[0]!.mark?.redo).toBe(true);
    // Marked for good now: a further hand-in is refused with what to do.
    await teacher.post(`/api/homework/${hwId}/submissions/${studentId}/mark`, { grade: 'excellent' });
    const closed = await student.put(`/api/homework/${hwId}/submission`, { text: 'again' });
    expect(closed.status).toBe(409);
    expect(closed.body.error!.message).toMatch(/already marked/);
  });

  it('shows the class’s completion and moves the marking rotation on', async () => {
    const view = await teacher.get<{
      assignments: { id: string; counts: Record<string, number> }[];
      students: { name: string; states: Record<string, string> }[];
    }>(`/api/classes/${CLASS}/homework`);
    const a = view.body.assignments.find((x) => x.id === hwId)!;
    expect(a.counts).toMatchObject({ submitted: 1, missing: 1, marked: 1 });
    expect(view.body.students.map((s) => s.states[hwId]).sort()).toEqual(['marked', 'missing']);
    const rot = await teacher.get<{
      proposed: { id: string }[];
      markedToday: { id: string }[];
      coveredThisRound: number;
    }>(`/api/classes/${CLASS}/homework/rotation`);
    expect(rot.status).toBe(200);
    // Two students in this class: one marked in depth today, the other proposed.
    expect(rot.body.markedToday).toHaveLength(1);
    expect(rot.body.proposed).toHaveLength(1);
    expect(rot.body.proposed[0]!.id).not.toBe(rot.body.markedToday[0]!.id);
    expect(rot.body.coveredThisRound).toBe(1);
  });

  it('exports a student’s homework with their data, and erasing the data removes submissions and files', async () => {
    const admin = await ApiClient.as(svc.url, 's1-admin');
    const studentId = (await student.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const exported = await admin.get<{ homework: Sub[] }>(`/api/students/${studentId}/data`);
    expect(exported.status).toBe(200);
    // Version 2 (marked) and version 1 (redo) of the first homework.
    expect(exported.body.homework.map((s) => s.version).sort()).toEqual([1, 2]);
    const fileId = exported.body.homework[0]!.attachments[0]!.id;
    const erased = await admin.request<{ removedSubmissions: number }>(
      'DELETE',
      `/api/students/${studentId}/data`,
    );
    expect(erased.status).toBe(200);
    expect(erased.body.removedSubmissions).toBe(2);
    const mine = await student.get<{ items: { state: string }[] }>('/api/homework/mine');
    expect(mine.body.items.every((i) => i.state === 'missing')).toBe(true);
    const file = await fetch(`${svc.url}/api/homework/files/${fileId}`, {
      headers: { authorization: `Bearer ${teacher.token}` },
    });
    expect(file.status).toBe(404);
  });
});
