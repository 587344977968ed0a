/**
 * Who may do what with a live lesson. Publishing needs both the right role
 * and a publish token the server signed for this lesson and this user:
 * nothing the page says about itself is trusted.
 */
import crypto from 'node:crypto';
import type { User } from '../district/model.ts';
import type { LiveLesson } from './LiveLesson.ts';

/** Who publishes now: the recorded publisher while its instance keeps refreshing it. */
export const currentPublisher = (l: LiveLesson, now = Date.now()): string | undefined =>
  l.publisherId && l.publisherUntil && Date.parse(l.publisherUntil) > now ? l.publisherId : undefined;

/** A live lesson is broadcast to a whole grade of the district: the grade's lead teachers or a district admin. */
export function canCreateLive(user: User, grade: number): boolean {
  if (user.role === 'district_admin') return true;
  return user.role === 'lead_teacher' && (user.grades ?? []).includes(grade);
}

/**
 * Start, end, publish: the lesson's own lead teacher, or a district admin.
 * Never a school admin (one school must not broadcast into every school's
 * grade), a co-teacher or a student.
 */
export function canRunLive(user: User, l: LiveLesson): boolean {
  if (user.role === 'district_admin') return true;
  return user.role === 'lead_teacher' && l.teacherId === user.id;
}

/** Co-teachers and students of the grade watch; so do lead teachers of the grade and admins (school admins supervise). */
export function canWatchLive(user: User, l: LiveLesson, grades: number[]): boolean {
  if (canRunLive(user, l) || user.role === 'school_admin') return true;
  return grades.includes(l.grade);
}

export interface PublishClaims {
  lessonId: string;
  userId: string;
  expiresAt: number;
}

const mac = (key: string, lessonId: string, userId: string, exp: number) =>
  crypto.createHmac('sha256', key).update(`live-publish\n${lessonId}\n${userId}\n${exp}`).digest('base64url');

export function signPublishToken(key: string, c: PublishClaims): string {
  const exp = Math.floor(c.expiresAt / 1000);
  return `pub.${exp}.${mac(key, c.lessonId, c.userId, exp)}`;
}

/** Checks a publish token against the lesson and the signed-in user of the connection. */
export function verifyPublishToken(
  key: string,
  token: unknown,
  lessonId: string,
  userId: string,
  now = Date.now(),
): 'ok' | 'expired' | 'invalid' {
  if (typeof token !== 'string') return 'invalid';
  const m = /^pub\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return 'invalid';
  const exp = Number(m[1]);
  const expected = Buffer.from(mac(key, lessonId, userId, exp));
  if (!crypto.timingSafeEqual(expected, Buffer.from(m[2]!))) return 'invalid';
  return exp * 1000 < now ? 'expired' : 'ok';
}
