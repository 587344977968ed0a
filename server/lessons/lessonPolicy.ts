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

export function canUploadFor(user: User, grade: number): boolean {
  if (user.role === 'district_admin' || user.role === 'school_admin') return true;
  return user.role === 'lead_teacher' && (user.grades ?? []).includes(grade);
}

export function canManageLesson(user: User, lesson: Lesson): boolean {
  return (
    user.role === 'district_admin' ||
    user.role === 'school_admin' ||
    (user.role === 'lead_teacher' && lesson.teacherId === user.id)
  );
}

/** 资源审核: school and district administrators review lessons before students see them. */
export function canReview(user: User): boolean {
  return user.role === 'district_admin' || user.role === 'school_admin';
}
