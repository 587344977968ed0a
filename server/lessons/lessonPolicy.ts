/** Who may see, upload, manage and review recorded lessons. */
import { isPublished, type Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { User } from '../district/model.ts';

/** Grades a user follows: their own (lead teacher) or those of their classes. */
export type GradeLookup = (user: User) => Promise<number[]>;

export function canViewLesson(user: User, lesson: Lesson, grades: number[]): boolean {
  switch (user.role) {
    case 'district_admin':
    case 'school_admin':
      return true;
    case 'lead_teacher':
      return lesson.teacherId === user.id || (isPublished(lesson) && grades.includes(lesson.grade));
    default:
      return isPublished(lesson) && grades.includes(lesson.grade);
  }
}

/**
 * Recorded lessons are district-wide content (a grade's unified lesson reaches
 * every school): only the district's admins and the grade's lead teachers
 * create them. A school admin sees them but does not change them.
 */
export function canUploadFor(user: User, grade: number): boolean {
  if (user.role === 'district_admin') return true;
  return user.role === 'lead_teacher' && (user.grades ?? []).includes(grade);
}

/** Rename, cancel, retry, delete: the lesson's own lead teacher or a district admin. */
export function canManageLesson(user: User, lesson: Lesson): boolean {
  return user.role === 'district_admin' || (user.role === 'lead_teacher' && lesson.teacherId === user.id);
}

/** 资源审核: the district reviews lessons before a whole grade's students see them. */
export function canReview(user: User): boolean {
  return user.role === 'district_admin';
}
