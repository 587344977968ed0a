import { describe, expect, it } from 'vitest';
import type { Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { User } from '../../server/district/model.ts';
import {
  canManageLesson,
  canReview,
  canUploadFor,
  canViewLesson,
} from '../../server/lessons/lessonPolicy.ts';
import { HlsGate, hlsFile, parseHlsUri, signAccess, verifyAccess } from '../../server/lessons/hlsAccess.ts';
import { AppError } from '../../server/errors.ts';
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

describe('HLS viewing pass', () => {
  const key = 'k'.repeat(32);
  const now = Date.parse('2026-11-22T10:00:00Z');
  const token = signAccess(key, { userId: 'usr_1', sessionId: 'sess-A_1', expiresAt: now + 60_000 });
  it('verifies until it expires, for the key it was signed with', () => {
    expect(verifyAccess(key, token, now)).toEqual({ userId: 'usr_1', sessionId: 'sess-A_1' });
    expect(verifyAccess(key, token, now + 120_000)).toBe('expired');
    expect(verifyAccess('x'.repeat(32), token, now)).toBe('invalid');
  });
  it('refuses tampering and junk', () => {
    const [exp, uid, sid, sig] = token.split('.');
    expect(verifyAccess(key, `${Number(exp) + 3600}.${uid}.${sid}.${sig}`, now)).toBe('invalid');
    expect(verifyAccess(key, `${exp}.usr_2.${sid}.${sig}`, now)).toBe('invalid');
    expect(verifyAccess(key, `${exp}.${uid}.other.${sig}`, now)).toBe('invalid');
    expect(verifyAccess(key, '../../etc/passwd', now)).toBe('invalid');
    expect(verifyAccess(key, '', now)).toBe('invalid');
    expect(verifyAccess(key, undefined, now)).toBe('invalid');
  });
  it('maps shared HLS URLs to their lesson and refuses path tricks', () => {
    expect(parseHlsUri('/vod/les_1/720p/index.m3u8')).toEqual({ kind: 'vod', lessonId: 'les_1' });
    expect(parseHlsUri('/live-hls/liv_2/master.m3u8')).toEqual({ kind: 'live', lessonId: 'liv_2' });
    expect(parseHlsUri('/channels/3/master.m3u8')).toBeUndefined();
    expect(parseHlsUri('/vod/../secret/x.m3u8')).toBeUndefined();
    expect(hlsFile(['720p', 'seg_1.m4s'], ['m4s'])).toBe('720p/seg_1.m4s');
    expect(() => hlsFile(['..', 'x.m4s'], ['m4s'])).toThrow(AppError);
    expect(() => hlsFile('index.sh', ['m3u8'])).toThrow(/not allowed/);
  });
});

describe('HlsGate', () => {
  const key = 'k'.repeat(32);
  let t = Date.parse('2026-11-22T10:00:00Z');
  const state = { open: true, active: true, may: true, reads: 0 };
  const gate = new HlsGate({
    key,
    now: () => t,
    gateTtlMs: 10_000,
    sessionOpen: () => Promise.resolve(state.open),
    activeUser: (id) => Promise.resolve(state.active ? { id } : undefined),
    mayWatch: () => {
      state.reads++;
      return Promise.resolve(state.may);
    },
  });
  const pass = () => signAccess(key, { userId: 'usr_1', sessionId: 's1', expiresAt: t + 600_000 });
  const code = (p: Promise<void>) =>
    p.then(
      () => 'ok',
      (e: AppError) => e.code,
    );

  it('lets a valid pass through and caches the verdict per pass and lesson', async () => {
    const p = pass();
    expect(await code(gate.check(p, 'vod', 'les_a'))).toBe('ok');
    expect(await code(gate.check(p, 'vod', 'les_a'))).toBe('ok');
    expect(state.reads).toBe(1);
    expect(await code(gate.check(p, 'live', 'les_a'))).toBe('ok');
    expect(state.reads).toBe(2);
  });
  it('notices sign-out, a switched-off account and a withdrawn lesson once the cached verdict lapses', async () => {
    const p = pass();
    expect(await code(gate.check(p, 'vod', 'les_b'))).toBe('ok');
    state.open = false;
    expect(await code(gate.check(p, 'vod', 'les_b'))).toBe('ok'); // still cached
    t += 10_001;
    expect(await code(gate.check(p, 'vod', 'les_b'))).toBe('AUTH_SESSION_ENDED');
    state.open = true;
    state.active = false;
    t += 10_001;
    expect(await code(gate.check(p, 'vod', 'les_b'))).toBe('AUTH_SESSION_ENDED');
    state.active = true;
    state.may = false;
    t += 10_001;
    expect(await code(gate.check(p, 'vod', 'les_b'))).toBe('FORBIDDEN_SCOPE');
    state.may = true;
  });
  it('refuses missing, forged and expired passes without asking Redis', async () => {
    const before = state.reads;
    expect(await code(gate.check(undefined, 'vod', 'les_a'))).toBe('AUTH_REQUIRED');
    expect(await code(gate.check(`${pass().slice(0, -1)}x`, 'vod', 'les_a'))).toBe('AUTH_REQUIRED');
    const old = signAccess(key, { userId: 'usr_1', sessionId: 's1', expiresAt: t - 1000 });
    expect(await code(gate.check(old, 'vod', 'les_a'))).toBe('AUTH_TOKEN_EXPIRED');
    expect(state.reads).toBe(before);
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
