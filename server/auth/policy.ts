/**
 * Who may see and do what. Pure functions of the acting user and the target,
 * checked on the server for every route. A wrong role is FORBIDDEN_ROLE; the
 * right role but someone else's class or school is FORBIDDEN_SCOPE.
 */
import { AppError } from '../errors.ts';
import type { Role, SchoolClass, User } from '../district/model.ts';

export function requireRole(user: User, roles: readonly Role[], action: string): void {
  if (!roles.includes(user.role)) {
    throw new AppError(
      'FORBIDDEN_ROLE',
      `Your account (${user.role}) cannot ${action}. Ask a teacher or administrator.`,
    );
  }
}

export function canViewSchool(user: User, schoolId: string): boolean {
  switch (user.role) {
    case 'district_admin':
    case 'lead_teacher': // lead teachers teach the whole district's grade
      return true;
    case 'parent': // a parent sees their children through /api/family, not the school
      return false;
    default:
      return user.schoolId === schoolId;
  }
}

export function canViewClass(user: User, cls: SchoolClass): boolean {
  switch (user.role) {
    case 'district_admin':
      return true;
    case 'school_admin':
      return user.schoolId === cls.schoolId;
    case 'lead_teacher':
      return user.grades?.includes(cls.grade) ?? false;
    case 'co_teacher':
    case 'student':
      return user.classIds?.includes(cls.id) ?? false;
    case 'parent': // their children's classes are reached through /api/family only
      return false;
  }
}

/** The list of students: staff of the class, never other students. */
export function canViewRoster(user: User, cls: SchoolClass): boolean {
  if (user.role === 'student' || user.role === 'lead_teacher') return false;
  return canViewClass(user, cls);
}

/** Creating students and resetting their passwords: the class teacher (班主任) or an admin of the school. */
export function canManageStudents(user: User, cls: SchoolClass): boolean {
  if (user.role === 'district_admin') return true;
  if (user.role === 'school_admin') return user.schoolId === cls.schoolId;
  if (user.role === 'co_teacher') return cls.classTeacherId === user.id;
  return false;
}

export function canViewUser(viewer: User, target: User, targetClasses: SchoolClass[]): boolean {
  if (viewer.id === target.id) return true;
  if (viewer.role === 'district_admin') return true;
  if (viewer.role === 'school_admin') return !!target.schoolId && viewer.schoolId === target.schoolId;
  if (viewer.role === 'co_teacher' && target.role === 'student') {
    return targetClasses.some((c) => viewer.classIds?.includes(c.id));
  }
  return false;
}

export function assertCan(allowed: boolean, message: string): void {
  if (!allowed) throw new AppError('FORBIDDEN_SCOPE', message);
}

/**
 * The school an administrator's request covers: a school admin's own (naming another school is
 * refused with `refusal`, never silently narrowed to their own), a district admin's `asked`
 * (undefined: the whole district). Only for routes open to district and school admins.
 */
export function adminSchool(
  user: User,
  asked: string | undefined,
  refusal: { message: string; messageZh: string },
): string | undefined {
  if (user.role !== 'school_admin') return asked;
  if (asked && asked !== user.schoolId)
    throw new AppError('FORBIDDEN_SCOPE', refusal.message, undefined, { messageZh: refusal.messageZh });
  return user.schoolId;
}
