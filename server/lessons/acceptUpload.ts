/**
 * The upload use case: a finished upload becomes a lesson in the catalogue
 * (status uploaded, review pending) with its first transcode job queued.
 */
import type { User } from '../district/model.ts';
import type { Logger } from '../logger.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { TranscodeQueue } from '../../recordings/transcode/TranscodeQueue.ts';
import type { UploadedLesson } from '../http/uploads.ts';

export async function acceptUpload(
  d: { lessons: LessonStore; transcodes: TranscodeQueue },
  logger: Logger,
  user: User,
  u: UploadedLesson,
): Promise<void> {
  const now = new Date().toISOString();
  await d.lessons.create({
    id: u.lessonId,
    title: u.title,
    grade: u.grade,
    subject: u.subject,
    teacherId: user.id,
    teacherName: user.displayName,
    status: 'uploaded',
    // A class video (微课) is its own teacher's, for their class only, like class materials: no district
    // review (a district lesson reaches a whole grade, a class video one class; its school's admins can take it down).
    ...(u.classId
      ? {
          classId: u.classId,
          schoolId: u.schoolId,
          review: 'approved' as const,
          reviewedBy: user.displayName,
          reviewedAt: now,
          reviewNote: '班级微课 · class video',
        }
      : { review: 'pending' as const }),
    source: { key: u.sourceKey, filename: u.filename, size: u.size },
    jobId: `${u.lessonId}-1`,
    createdAt: now,
    updatedAt: now,
  });
  await d.transcodes.enqueue(u.lessonId, 1);
  logger.info({ lessonId: u.lessonId, size: u.size, teacher: user.username }, 'lesson uploaded');
}
