/** The district model: schools, district-wide grades, classes and users. */

import type { z } from 'zod';
import type * as wire from '../../contracts/district.ts';

export { ROLES, type Role } from '../../contracts/common.ts';
/** School levels the timetable rules are keyed on. */
export { SCHOOL_LEVELS } from '../../contracts/district.ts';
export type SchoolLevel = z.infer<typeof wire.SchoolLevel>;

export function levelOfGrade(grade: number): SchoolLevel {
  if (!Number.isInteger(grade) || grade < 1 || grade > 12)
    throw new RangeError(`grade must be 1–12, got ${grade}`);
  if (grade <= 2) return 'primary_lower';
  if (grade <= 6) return 'primary_upper';
  if (grade <= 9) return 'junior_secondary';
  return 'senior_secondary';
}

const GRADE_NAMES_ZH = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];
export function gradeNameZh(grade: number): string {
  return `${GRADE_NAMES_ZH[grade - 1]}年级`;
}

export type District = z.infer<typeof wire.District>;
export type School = z.infer<typeof wire.School>;
/** Grades are district-wide: a grade's unified lesson and TV channel cover every school. */
export type Grade = z.infer<typeof wire.Grade>;
/** A class; its class teacher (班主任, classTeacherId) is one of its co-teachers. */
export type SchoolClass = z.infer<typeof wire.SchoolClass>;
/**
 * A person. school_admin, co_teacher, student have a schoolId; lead teachers
 * their grades and subjects; co-teachers the classes they follow, a student
 * exactly one; `disabled` accounts cannot sign in.
 */
export type User = z.infer<typeof wire.User>;

export interface StoredUser extends User {
  passwordHash: string;
}

export function publicUser(u: StoredUser | User): User {
  const { passwordHash: _omit, ...rest } = u as StoredUser;
  return rest;
}
