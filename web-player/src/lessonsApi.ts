/** Types and calls for recorded lessons. */
import { api } from './api.ts';

import type { Lesson, LessonStatus, ReviewStatus } from '../../recordings/catalogue/Lesson.ts';
import type { TranscodeProgress } from '../../recordings/transcode/transcodeLesson.ts';

// The server's own types (erased at build time): the page and the API cannot drift apart.
export type { LessonStatus, ReviewStatus };
export type LessonProgress = TranscodeProgress;

/** A lesson as GET /api/lessons/{id} shows it (lessonRoutes' view): the stored lesson without storage keys. */
export type LessonView = Omit<Lesson, 'source' | 'jobId' | 'masterKey' | 'posterKey'> & {
  source: Pick<Lesson['source'], 'filename' | 'size'>;
  posterUrl?: string;
  canManage: boolean;
  canReview: boolean;
};

/** What socket.io pushes on 'lesson:update'. */
export interface LessonUpdate {
  id: string;
  status: LessonStatus;
  review: ReviewStatus;
  progress: LessonProgress | null;
  error: { code: string; message: string } | null;
  durationSec: number | null;
}

export interface Playback {
  masterUrl: string;
  audioOnlyUrl?: string;
  posterUrl: string;
  position: number;
  expiresAt: string;
}

export const lessonsApi = {
  list: (f: { grade?: string; subject?: string; q?: string }) => {
    const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => !!v) as [string, string][]).toString();
    return api<{ lessons: LessonView[]; subjects: string[] }>('GET', `/api/lessons${qs ? `?${qs}` : ''}`);
  },
  get: (id: string) => api<{ lesson: LessonView }>('GET', `/api/lessons/${encodeURIComponent(id)}`),
  playback: (id: string) => api<Playback>('GET', `/api/lessons/${encodeURIComponent(id)}/playback`),
  savePosition: (id: string, seconds: number) =>
    api<{ ok: true }>('PUT', `/api/lessons/${encodeURIComponent(id)}/position`, { seconds }),
  review: (id: string, decision: ReviewStatus, note?: string) =>
    api<{ lesson: LessonView }>('POST', `/api/lessons/${encodeURIComponent(id)}/review`, { decision, note }),
  cancel: (id: string) => api<{ outcome: string }>('POST', `/api/lessons/${encodeURIComponent(id)}/cancel`),
  retry: (id: string) => api<{ lesson: LessonView }>('POST', `/api/lessons/${encodeURIComponent(id)}/retry`),
  remove: (id: string) => api<{ deleted: string }>('DELETE', `/api/lessons/${encodeURIComponent(id)}`),
};
