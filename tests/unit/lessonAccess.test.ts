import { describe, expect, it } from 'vitest';
import type { Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { User } from '../../server/district/model.ts';
import {
  canManageLesson,
  canReview,
  canUploadFor,
  canViewLesson,
} from '../../server/lessons/lessonPolicy.ts';
import { signPlayback, verifyPlayback } from '../../server/lessons/playbackToken.ts';
import { safeFilename } from '../../server/http/uploads.ts';

const user = (role: User['role'], extra: Partial<User> = {}) =>
  ({ id: `usr_${role}`, role, displayName: role, ...extra }) as User;
const lesson = (o: Partial<Lesson> = {}) =>
  ({
    id: 'les_0123456789abcdef',
    grade: 3,
    teacherId: 'usr_lead_teacher',
    status: 'ready',
    review: 'approved',
    ...o,
  }) as Lesson;

describe('lesson policy', () => {
  const student = user('student');
  const lead = user('lead_teacher', { grades: [3] });
  it('students and co-teachers see only approved, ready lessons of their grades', () => {
    expect(canViewLesson(student, lesson(), [3])).toBe(true);
    expect(canViewLesson(student, lesson(), [4])).toBe(false);
    expect(canViewLesson(student, lesson({ review: 'pending' }), [3])).toBe(false);
    expect(canViewLesson(student, lesson({ review: 'rejected' }), [3])).toBe(false);
    expect(canViewLesson(student, lesson({ status: 'processing' }), [3])).toBe(false);
    expect(canViewLesson(user('co_teacher'), lesson({ review: 'pending' }), [3])).toBe(false);
  });
  it('a lead teacher sees their own lessons in any state, others only when published', () => {
    expect(canViewLesson(lead, lesson({ review: 'pending', status: 'failed' }), [3])).toBe(true);
    expect(canViewLesson(lead, lesson({ teacherId: 'usr_other', review: 'pending' }), [3])).toBe(false);
    expect(canManageLesson(lead, lesson())).toBe(true);
    expect(canManageLesson(lead, lesson({ teacherId: 'usr_other' }))).toBe(false);
  });
  it('uploads: lead teachers for their grades, district admins for any; review: district admins only', () => {
    expect(canUploadFor(lead, 3)).toBe(true);
    expect(canUploadFor(lead, 4)).toBe(false);
    expect(canUploadFor(student, 3)).toBe(false);
    expect(canUploadFor(user('co_teacher'), 3)).toBe(false);
    expect(canUploadFor(user('school_admin'), 9)).toBe(false);
    expect(canUploadFor(user('district_admin'), 9)).toBe(true);
    expect(canReview(user('school_admin'))).toBe(false);
    expect(canManageLesson(user('school_admin'), lesson())).toBe(false);
    expect(canReview(user('district_admin'))).toBe(true);
    expect(canReview(lead)).toBe(false);
  });
});

describe('playback tokens', () => {
  const key = 'k'.repeat(32);
  const now = Date.parse('2026-11-22T10:00:00Z');
  const token = signPlayback(key, { lessonId: 'les_a', userId: 'usr_1', expiresAt: now + 60_000 });
  it('verify for the lesson they were signed for, until they expire', () => {
    expect(verifyPlayback(key, 'les_a', token, now)).toBe('ok');
    expect(verifyPlayback(key, 'les_a', token, now + 120_000)).toBe('expired');
    expect(verifyPlayback(key, 'les_b', token, now)).toBe('invalid');
    expect(verifyPlayback('x'.repeat(32), 'les_a', token, now)).toBe('invalid');
  });
  it('refuse tampering and junk', () => {
    const [exp, uid, sig] = token.split('.');
    expect(verifyPlayback(key, 'les_a', `${Number(exp) + 3600}.${uid}.${sig}`, now)).toBe('invalid');
    expect(verifyPlayback(key, 'les_a', `${exp}.usr_2.${sig}`, now)).toBe('invalid');
    expect(verifyPlayback(key, 'les_a', '../../etc/passwd', now)).toBe('invalid');
    expect(verifyPlayback(key, 'les_a', '', now)).toBe('invalid');
  });
});

describe('safeFilename', () => {
  it('keeps Chinese names and strips paths and odd characters', () => {
    expect(safeFilename('三年级数学 第1课.mp4')).toBe('三年级数学 第1课.mp4');
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Users\\老师\\课.mov')).toBe('课.mov');
    expect(safeFilename('..hidden.mp4')).toBe('hidden.mp4');
    expect(safeFilename('a<b>|c.mp4')).toBe('a_b_c.mp4');
    expect(safeFilename('')).toBe('video');
  });
});
