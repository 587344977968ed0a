/** Recorded lessons: the contract's types and the calls the pages make. */
import { call } from './api.ts';
import type {
  LessonStatus,
  LessonView,
  Playback,
  ReviewStatus,
  TranscodeProgress,
} from '../../contracts/lessons.ts';

export type { LessonStatus, LessonView, Playback, ReviewStatus };
export type LessonProgress = TranscodeProgress;

export const lessonsApi = {
  list: (query: { grade?: string; subject?: string; q?: string }) => call('GET /api/lessons', { query }),
  get: (id: string) => call('GET /api/lessons/:id', { params: { id } }),
  playback: (id: string) => call('GET /api/lessons/:id/playback', { params: { id } }),
  savePosition: (id: string, seconds: number) =>
    call('PUT /api/lessons/:id/position', { params: { id }, body: { seconds } }),
  review: (id: string, decision: ReviewStatus, note?: string) =>
    call('POST /api/lessons/:id/review', { params: { id }, body: { decision, note } }),
  cancel: (id: string) => call('POST /api/lessons/:id/cancel', { params: { id } }),
  retry: (id: string) => call('POST /api/lessons/:id/retry', { params: { id } }),
  remove: (id: string) => call('DELETE /api/lessons/:id', { params: { id } }),
};
