import { describe, expect, it } from 'vitest';
import {
  canManageStudents,
  canViewClass,
  canViewRoster,
  canViewSchool,
  canViewUser,
  requireRole,
} from '../../server/auth/policy.ts';
import type { SchoolClass, User } from '../../server/district/model.ts';

const clsA: SchoolClass = { id: 'A', schoolId: 'S1', grade: 3, name: 'A', classTeacherId: 'teacherA' };
const clsB: SchoolClass = { id: 'B', schoolId: 'S1', grade: 3, name: 'B' };
const clsC: SchoolClass = { id: 'C', schoolId: 'S2', grade: 4, name: 'C' };
const u = (p: Partial<User> & Pick<User, 'id' | 'role'>): User => ({
  username: p.id,
  displayName: p.id,
  createdAt: '',
  ...p,
});

const district = u({ id: 'd', role: 'district_admin' });
const schoolAdmin = u({ id: 'sa', role: 'school_admin', schoolId: 'S1' });
const lead3 = u({ id: 'l3', role: 'lead_teacher', grades: [3], subjects: ['数学'] });
const teacherA = u({ id: 'teacherA', role: 'co_teacher', schoolId: 'S1', classIds: ['A'] });
const mathAB = u({ id: 'm', role: 'co_teacher', schoolId: 'S1', classIds: ['A', 'B'] });
const studentA = u({ id: 'sA', role: 'student', schoolId: 'S1', classIds: ['A'] });
const studentB = u({ id: 'sB', role: 'student', schoolId: 'S1', classIds: ['B'] });

describe('authorization policy', () => {
  it('scopes class visibility by role', () => {
    const visible = (user: User) => [clsA, clsB, clsC].filter((c) => canViewClass(user, c)).map((c) => c.id);
    expect(visible(district)).toEqual(['A', 'B', 'C']);
    expect(visible(schoolAdmin)).toEqual(['A', 'B']);
    expect(visible(lead3)).toEqual(['A', 'B']);
    expect(visible(teacherA)).toEqual(['A']);
    expect(visible(mathAB)).toEqual(['A', 'B']);
    expect(visible(studentA)).toEqual(['A']);
  });

  it('shows rosters to staff of the class only, never to students', () => {
    expect(canViewRoster(teacherA, clsA)).toBe(true);
    expect(canViewRoster(teacherA, clsB)).toBe(false);
    expect(canViewRoster(studentA, clsA)).toBe(false);
    expect(canViewRoster(schoolAdmin, clsC)).toBe(false);
  });

  it('lets only the class teacher or admins manage students', () => {
    expect(canManageStudents(teacherA, clsA)).toBe(true);
    expect(canManageStudents(mathAB, clsA)).toBe(false);
    expect(canManageStudents(schoolAdmin, clsA)).toBe(true);
    expect(canManageStudents(schoolAdmin, clsC)).toBe(false);
    expect(canManageStudents(district, clsC)).toBe(true);
    expect(canManageStudents(studentA, clsA)).toBe(false);
  });

  it('limits who can see a user', () => {
    expect(canViewUser(studentA, studentA, [clsA])).toBe(true);
    expect(canViewUser(studentA, studentB, [clsB])).toBe(false);
    expect(canViewUser(teacherA, studentA, [clsA])).toBe(true);
    expect(canViewUser(teacherA, studentB, [clsB])).toBe(false);
    expect(canViewUser(schoolAdmin, studentB, [clsB])).toBe(true);
  });

  it('schools: admins of one school see only theirs', () => {
    expect(canViewSchool(schoolAdmin, 'S1')).toBe(true);
    expect(canViewSchool(schoolAdmin, 'S2')).toBe(false);
    expect(canViewSchool(district, 'S2')).toBe(true);
  });

  it('requireRole throws FORBIDDEN_ROLE', () => {
    expect(() => requireRole(studentA, ['co_teacher'], 'add students')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN_ROLE', status: 403 }),
    );
    expect(() => requireRole(teacherA, ['co_teacher'], 'add students')).not.toThrow();
  });
});
