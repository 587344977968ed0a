/** Types and calls for recorded lessons. */
import { api } from './api.ts';

import type { LessonStatus, ReviewStatus } from '../../recordings/catalogue/Lesson.ts';
import type { TranscodeProgress } from '../../recordings/transcode/transcodeLesson.ts';

// The server's own types (erased at build time): the page and the API cannot drift apart.
export type { LessonStatus, ReviewStatus };
export type LessonProgress = TranscodeProgress;

export interface LessonView {
  id: string;
  title: string;
  grade: number;
  subject: string;
  teacherId: string;
  teacherName: string;
  status: LessonStatus;
  review: ReviewStatus;
  reviewNote?: string;
  reviewedBy?: string;
  durationSec?: number;
  source: { filename: string; size: number };
  renditions?: { name: string; width?: number; height?: number; bandwidth: number }[];
  progress?: LessonProgress | null;
  error?: { code: string; message: string } | null;
  createdAt: string;
  posterUrl?: string;
  canManage: boolean;
  canReview: boolean;
}

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
