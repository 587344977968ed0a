/** Helpers for channel tests: lessons uploaded and approved, and a timetable of short slots from now on. */
import { expect } from 'vitest';
import { ApiClient } from './ApiClient.ts';
import { tusUpload } from './tusUpload.ts';
import { waitFor } from './waitFor.ts';

export const TIME_ZONE = 'Asia/Shanghai';

/** The district's local date and HH:MM:SS of an instant. */
export function localParts(ms: number, timeZone = TIME_ZONE): { date: string; time: string } {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(ms));
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
  return { date, time };
}

/** Uploads a clip as the grade's lead teacher, has the district admin approve it, waits until it is ready. */
export async function readyLesson(url: string, file: string, title: string, grade = 3): Promise<string> {
  const teacher = await ApiClient.as(url, `lead-g${grade}`);
  const admin = await ApiClient.as(url, 'admin');
  const r = await tusUpload(url, teacher.token!, file, { title, grade: String(grade), subject: '数学' });
  expect(r.status).toBe(200);
  const id = (JSON.parse(r.body) as { lessonId: string }).lessonId;
  await waitFor(
    async () => {
      const l = (await teacher.get<{ lesson: { status: string } }>(`/api/lessons/${id}`)).body.lesson;
      if (l.status === 'failed') throw new Error(`lesson ${title} failed to process`);
      return l.status === 'ready' ? true : undefined;
    },
    `lesson ${title} to be ready`,
    180_000,
  );
  const review = await admin.post(`/api/lessons/${id}/review`, { decision: 'approved' });
  expect(review.status).toBe(200);
  return id;
}

/**
 * Publishes today's channel day for a grade: slots of `lessonSec` seconds with `breakSec`
 * breaks, starting `leadSec` from now, cycling through the lessons. Short slots need an
 * explicit, recorded override of the length and break rules.
 */
export async function publishShortDay(
  admin: ApiClient,
  grade: number,
  lessons: string[],
  o: { count: number; lessonSec: number; breakSec: number; leadSec: number },
): Promise<{ start: number; end: number; lessonId: string }[]> {
  const t0 = Math.ceil((Date.now() + o.leadSec * 1000) / 1000) * 1000;
  const slots = Array.from({ length: o.count }, (_, i) => {
    const start = t0 + i * (o.lessonSec + o.breakSec) * 1000;
    return { start, end: start + o.lessonSec * 1000, lessonId: lessons[i % lessons.length]! };
  });
  const date = localParts(t0).date;
  const res = await admin.request('PUT', `/api/timetable/${grade}/${date}`, {
    slots: slots.map((s, i) => ({
      start: localParts(s.start).time,
      end: localParts(s.end).time,
      subject: '数学',
      title: `第${i + 1}课`,
      kind: 'recorded',
      lesson: s.lessonId,
      override: { reason: '测试频道：20 秒短课' },
    })),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return slots;
}

/**
 * Puts a live slot of `liveId` on `grade`'s channel from a minute ago (or `startInMs` from now) for
 * ten minutes (a recorded rule override).
 */
export async function putLiveSlotNow(
  admin: ApiClient,
  grade: number,
  liveId: string,
  reason: string,
  startInMs = -60_000,
) {
  const t = Date.now() + startInMs + 60_000;
  const time = (ms: number) => localParts(ms).time;
  const date = localParts(t).date;
  const put = await admin.request('PUT', `/api/timetable/${grade}/${date}`, {
    slots: [
      {
        start: time(t - 60_000),
        end: time(t + 10 * 60_000),
        subject: '数学',
        kind: 'live',
        lesson: liveId,
        override: { reason },
      },
    ],
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return date;
}

/** A live lesson of `lead-g3` on grade 3's channel now (a slot from a minute ago for ten minutes). */
export async function liveLessonNow(url: string, title: string, reason: string) {
  const admin = await ApiClient.as(url, 'admin');
  const lead = await ApiClient.as(url, 'lead-g3');
  const live = await lead.post<{ lesson: { id: string } }>('/api/live', { title, grade: 3, subject: '数学' });
  expect(live.status, JSON.stringify(live.body)).toBe(200);
  const liveId = live.body.lesson.id;
  return { admin, lead, liveId, date: await putLiveSlotNow(admin, 3, liveId, reason) };
}
