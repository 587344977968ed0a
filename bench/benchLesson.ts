/** What the channel and delivery benchmarks' origins share: a transcoded lesson put in the catalogue, and local clock times. */
import path from 'node:path';
import type { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import { transcodeLesson, type TranscodeResult } from '../recordings/transcode/transcodeLesson.ts';
import type { Storage } from '../core/storage/Storage.ts';
import type { Logger } from '../server/logger.ts';

/** Transcodes a clip with the real ladder into `vod/<id>/` (work files under dataDir/work). */
export function transcodeBenchClip(
  o: { storage: Storage; logger: Logger; dataDir: string },
  id: string,
  clip: string,
): Promise<TranscodeResult> {
  return transcodeLesson({
    lessonId: id,
    source: clip,
    storage: o.storage,
    workDir: path.join(o.dataDir, 'work', id),
    logger: o.logger,
    maxDurationSec: 3600,
  });
}

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
