/** What the channel and delivery benchmarks' origins share: a transcoded lesson put in the catalogue, and local clock times. */
import type { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import type { TranscodeResult } from '../recordings/transcode/transcodeLesson.ts';

/** A ready, approved lesson whose media is `mediaId`'s HLS (several lessons may share one transcode). */
export async function publishBenchLesson(
  lessons: LessonStore,
  o: { id: string; mediaId: string; grade: number; title: string; res: TranscodeResult },
): Promise<void> {
  const now = new Date().toISOString();
  await lessons.create({
    id: o.id,
    title: o.title,
    grade: o.grade,
    subject: '数学',
    teacherId: 'bench',
    teacherName: 'bench',
    status: 'ready',
    review: 'approved',
    durationSec: o.res.durationSec,
    source: { key: 'x', filename: 'x.mp4', size: 0 },
    masterKey: o.res.masterKey,
    hlsPrefix: `vod/${o.mediaId}`,
    renditions: o.res.renditions,
    createdAt: now,
    updatedAt: now,
  });
}

/** HH:MM:SS of an instant in the district's time zone (timetable slots are written so). */
export const localClock = (timeZone: string) => (ms: number) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(ms);
