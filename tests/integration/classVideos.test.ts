/**
 * Class-only videos (微课) through the real upload pipeline (tus → storage →
 * BullMQ → ffmpeg → HLS): a co-teacher uploads a short video for their
 * class; its students watch it, nobody else of the grade sees it, the
 * school's admins may take it down, it never goes on the grade channel, and
 * a video longer than 20 minutes is refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';
import { clip } from '../helpers/fixtures.ts';
import { tusErrorBody, tusUpload } from '../helpers/tusUpload.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { localParts } from '../helpers/channelDay.ts';

const CLASS = 'cls_demo_s1_g3_1';

describe('class videos (微课)', () => {
  let svc: RunningService;
  let teacher: ApiClient;
  let lessonId = '';

  beforeAll(async () => {
    svc = await startTestService();
    teacher = await ApiClient.as(svc.url, 't-s1-g3-1');
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
  });

  const status = async (c: ApiClient, id: string) =>
    (await c.get<{ lesson: { status: string; review: string; classId?: string } }>(`/api/lessons/${id}`))
      .body;

  it('a co-teacher uploads a video for their class; it is ready without a district review', async () => {
    const file = clip({ seconds: 6, name: 'micro_6s.mp4' });
    const r = await tusUpload(svc.url, teacher.token!, file, {
      title: '分数的意义（讲解）',
      subject: '语文',
      classId: CLASS,
      grade: '9', // ignored: a class video is its class's grade
    });
    expect(r.status).toBe(200);
    lessonId = (JSON.parse(r.body) as { lessonId: string }).lessonId;
    await waitFor(
      async () => {
        const l = (await status(teacher, lessonId)).lesson;
        if (l.status === 'failed') throw new Error('the class video failed to process');
        return l.status === 'ready' ? l : undefined;
      },
      'the class video to be ready',
      180_000,
    );
    const l = (
      await teacher.get<{ lesson: { grade: number; review: string; classId: string } }>(
        `/api/lessons/${lessonId}`,
      )
    ).body.lesson;
    expect(l).toMatchObject({ grade: 3, review: 'approved', classId: CLASS });
  }, 240_000);

  it('is seen by its class (and its school’s admins), by nobody else of the grade', async () => {
    const who = async (u: string) =>
      (await (await ApiClient.as(svc.url, u)).get(`/api/lessons/${lessonId}`)).status;
    expect(await who('s1-g3-1-01')).toBe(200);
    expect(await who('t-s1-g3-math')).toBe(200); // the maths co-teacher follows this class too
    expect(await who('s1-admin')).toBe(200);
    expect(await who('admin')).toBe(200);
    for (const u of ['s1-g3-2-01', 't-s1-g3-2', 'lead-g3', 's2-admin', 's2-g3-1-01', 'p-s1-g3-1-01'])
      expect(await who(u), u).toBe(403);
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    const list = await student.get<{ lessons: { id: string; classId?: string }[] }>(
      `/api/lessons?classId=${CLASS}`,
    );
    expect(list.body.lessons.map((l) => l.id)).toEqual([lessonId]);
    const playback = await student.get<{ masterUrl: string }>(`/api/lessons/${lessonId}/playback`);
    expect(playback.status).toBe(200);
    const master = await fetch(svc.url + playback.body.masterUrl, {
      headers: { cookie: `skyclass_hls=${student.hlsPass}` },
    });
    expect(master.status).toBe(200);
    // Another class's student: not in their list, and the playlist is refused even with a valid pass.
    const other = await ApiClient.as(svc.url, 's1-g3-2-01');
    expect(
      (await other.get<{ lessons: { id: string }[] }>('/api/lessons')).body.lessons.map((l) => l.id),
    ).not.toContain(lessonId);
    await other.post('/api/hls/access');
    const refused = await fetch(svc.url + playback.body.masterUrl, {
      headers: { cookie: `skyclass_hls=${other.hlsPass}` },
    });
    expect(refused.status).toBe(403);
    // Not in the district's review queue.
    const admin = await ApiClient.as(svc.url, 'admin');
    const pending = await admin.get<{ lessons: { id: string; review: string }[] }>('/api/lessons');
    expect(pending.body.lessons.find((l) => l.id === lessonId)?.review).toBe('approved');
  });

  it('never goes on the grade channel', async () => {
    const admin = await ApiClient.as(svc.url, 'admin');
    const t0 = Date.now() + 3600_000;
    const put = await admin.request('PUT', `/api/timetable/3/${localParts(t0).date}`, {
      slots: [
        {
          start: '23:00',
          end: '23:20',
          subject: '语文',
          kind: 'recorded',
          lesson: lessonId,
        },
      ],
    });
    expect(put.status).toBe(400);
    expect(JSON.stringify(put.body)).toContain('CLASS_ONLY');
  });

  it('refuses other classes’ co-teachers, and videos over 20 minutes with the reason', async () => {
    const other = await ApiClient.as(svc.url, 't-s1-g3-2');
    const file = clip({ seconds: 2, name: 'micro_2s.mp4' });
    const refused = await tusUpload(svc.url, other.token!, file, {
      title: '别班的微课',
      subject: '语文',
      classId: CLASS,
    }).catch(tusErrorBody);
    expect(refused.status).toBe(403);
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    const byStudent = await tusUpload(svc.url, student.token!, file, {
      title: '学生上传',
      subject: '语文',
      classId: CLASS,
    }).catch(tusErrorBody);
    expect(byStudent.status).toBe(403);

    const long = clip({
      seconds: 21 * 60,
      width: 64,
      height: 64,
      fps: 1,
      audioKbps: 16,
      name: 'micro_21min.mp4',
    });
    const r = await tusUpload(svc.url, teacher.token!, long, {
      title: '太长的微课',
      subject: '语文',
      classId: CLASS,
    });
    expect(r.status).toBe(200);
    const id = (JSON.parse(r.body) as { lessonId: string }).lessonId;
    const failed = await waitFor(
      async () => {
        const l = (
          await teacher.get<{ lesson: { status: string; error?: { message: string } } }>(`/api/lessons/${id}`)
        ).body.lesson;
        return l.status === 'failed' ? l : undefined;
      },
      'the long class video to be refused',
      120_000,
    );
    expect(failed.error?.message).toMatch(/21 min, the limit is 20 min/);
  }, 240_000);

  it('lets its school’s admin take it down', async () => {
    const otherSchool = await ApiClient.as(svc.url, 's2-admin');
    expect((await otherSchool.request('DELETE', `/api/lessons/${lessonId}`)).status).toBe(403);
    const schoolAdmin = await ApiClient.as(svc.url, 's1-admin');
    expect((await schoolAdmin.request('DELETE', `/api/lessons/${lessonId}`)).status).toBe(200);
    expect((await teacher.get(`/api/lessons/${lessonId}`)).status).toBe(404);
  });
});
