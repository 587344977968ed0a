/** The district model: schools, district-wide grades, classes and users. */

export const ROLES = ['district_admin', 'school_admin', 'lead_teacher', 'co_teacher', 'student'] as const;
export type Role = (typeof ROLES)[number];

/** School levels the timetable rules are keyed on. */
export const SCHOOL_LEVELS = [
  'primary_lower',
  'primary_upper',
  'junior_secondary',
  'senior_secondary',
] as const;
export type SchoolLevel = (typeof SCHOOL_LEVELS)[number];

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

export interface District {
  id: string;
  name: string;
}

export interface School {
  id: string;
  name: string;
}

/** Grades are district-wide: a grade's unified lesson and TV channel cover every school. */
export interface Grade {
  number: number;
  level: SchoolLevel;
  name: string;
}

export interface SchoolClass {
  id: string;
  schoolId: string;
  grade: number;
  name: string;
  /** The class teacher (班主任), one of the class's co-teachers. */
  classTeacherId?: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** school_admin, co_teacher, student. */
  schoolId?: string;
  /** lead_teacher: grades and subjects taught. */
  grades?: number[];
  subjects?: string[];
  /** co_teacher: classes followed; student: exactly one. */
  classIds?: string[];
  /** Switched off by an administrator: cannot sign in, every session ended. */
  disabled?: boolean;
  createdAt: string;
}

export interface StoredUser extends User {
  passwordHash: string;
}

export function publicUser(u: StoredUser | User): User {
  const { passwordHash: _omit, ...rest } = u as StoredUser;
  return rest;
}
